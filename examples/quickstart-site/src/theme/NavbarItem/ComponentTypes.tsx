// Registers the navbar item type 'custom-authUser' next to Docusaurus's own item types.
import ComponentTypes from '@theme-original/NavbarItem/ComponentTypes';
import AuthNavbarItem from '@site/src/components/AuthNavbarItem';

export default {
  ...ComponentTypes,
  'custom-authUser': AuthNavbarItem,
};
