const ComponentTypes = {default: () => null};
export default ComponentTypes;
