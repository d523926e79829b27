// The tracking store's public face. Implementations: ./sqlite.ts (node:sqlite, the embedded default)
// and ./postgres.ts (pg, for n8n in queue mode). The helpers below are shared by both and by the nodes.
export * from './types';
export { openStore, sharedStore, closeSharedStores, defaultSqlitePath, conversionIdFor, storeKeyOf, DEFAULT_CLAIM_LEASE_MS } from './open';
export { readConversionLog, conversionLogHtml, escapeHtml, type ConversionLogEntry } from './conversion-log';
export {
	RETENTION_KINDS,
	MAX_RETENTION_DAYS,
	REDACTED_JSON,
	REDACTED_TEXT,
	REPLAY_NAMESPACE,
	type ErasureReport,
	type PersonKey,
	type RetentionKind,
	type RetentionPolicy,
	type RetentionReport,
} from './privacy';
