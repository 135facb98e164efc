import type {SidebarsConfig} from '@docusaurus/plugin-content-docs';

const sidebars: SidebarsConfig = {
  textbook: ['intro', 'kinematics', 'balance', 'perception'],
};

export default sidebars;
