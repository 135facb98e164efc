// The site's own global MDX components, on top of the theme's and the authgate kit's (swizzle "wrap"): a component
// used inside a members-only block must be global, since the block is compiled on its own (docs/members-only.md).
import MDXComponentsOriginal from '@theme-original/MDXComponents';
import JointLimits from '@site/src/components/JointLimits';

export default {
  ...MDXComponentsOriginal,
  JointLimits,
};
