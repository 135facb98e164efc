import type {SidebarsConfig} from '@docusaurus/plugin-content-docs';

const sidebars: SidebarsConfig = {
  textbook: ['intro', 'kinematics', 'balance', 'perception', 'exercises', 'solutions-manual'],
};

export default sidebars;
