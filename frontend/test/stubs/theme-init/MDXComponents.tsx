const MDXComponents = {h1: 'h1', p: 'p'};
export default MDXComponents;
