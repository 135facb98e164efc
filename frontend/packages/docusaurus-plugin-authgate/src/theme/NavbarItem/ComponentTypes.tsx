import ComponentTypesInit from '@theme-init/NavbarItem/ComponentTypes';
import AuthgateNavbarItem from '@theme/NavbarItem/AuthgateNavbarItem';

/** Adds the navbar item `{type: 'custom-authgate', position: 'right'}`. */
const ComponentTypes = {
  ...ComponentTypesInit,
  'custom-authgate': AuthgateNavbarItem,
};

export default ComponentTypes;
