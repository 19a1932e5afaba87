/**
 * The hub's settings. They are read, with every other setting of the kit, by the one settings
 * module at the bottom of the house (`lib/settings`); the hub re-exports them for its callers.
 *
 * @module
 */
export {
  DEFAULT_HUB_ENDPOINT,
  defaultHubCacheDir,
  type EnvironmentReader,
  type HubSettings,
  hubSettings,
  isTruthyFlag,
  normalizeEndpoint,
  projectRoot,
} from "../settings/mod.ts";
