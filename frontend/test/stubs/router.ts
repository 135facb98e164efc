// @docusaurus/router re-exports react-router-dom v5; tests wrap pages in a MemoryRouter.
export {useHistory, useLocation, Redirect, matchPath} from 'react-router-dom';
