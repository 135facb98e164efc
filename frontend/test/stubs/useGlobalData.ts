import type {AuthgateGlobalData} from '../../packages/docusaurus-plugin-authgate/src/client/types';

export const TEST_API = 'http://api.test';

export const pluginData: AuthgateGlobalData = {
  apiBaseUrl: TEST_API,
  refreshLeewaySeconds: 60,
  paths: {
    login: '/auth/login',
    signup: '/auth/signup',
    account: '/auth/account',
    forgotPassword: '/auth/forgot-password',
    resetPassword: '/auth/reset-password',
    verifyEmail: '/auth/verify-email',
    completeProfile: '/auth/complete-profile',
    twoFactor: '/auth/two-factor',
  },
};

export function usePluginData(name: string): unknown {
  return name === 'docusaurus-plugin-authgate' ? pluginData : undefined;
}

export default function useGlobalData(): Record<string, unknown> {
  return {'docusaurus-plugin-authgate': {default: pluginData}};
}
