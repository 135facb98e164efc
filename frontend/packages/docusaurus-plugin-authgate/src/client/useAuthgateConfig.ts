import {usePluginData} from '@docusaurus/useGlobalData';
import type {AuthgateGlobalData} from './types';

/** The plugin's options as the browser sees them (API origin, page paths). */
export function useAuthgateConfig(): AuthgateGlobalData {
  const data = usePluginData('docusaurus-plugin-authgate') as AuthgateGlobalData | undefined;
  if (!data) {
    throw new Error('docusaurus-plugin-authgate: no plugin data. Is the plugin listed in `plugins` of docusaurus.config?');
  }
  return data;
}
