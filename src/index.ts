/** The engine behind the n8n nodes, usable as a plain library. Nothing here imports n8n. */
export * from './model';
export {
	listNetworks,
	parsePostback,
	getNetwork,
	customPostbackUrl,
	DEFAULT_CUSTOM_TEMPLATE,
	toUtcIso,
	isValidTimeZone,
	isMissingValue,
	NETWORK_PRESETS,
} from './networks';
export type {
	NetworkId,
	NetworkInfo,
	NetworkPreset,
	ParseOptions,
	ParseResult,
	PostbackError,
	PostbackErrorCode,
	PostbackRequest,
	CustomParam,
} from './networks';
export * from './auth';
export * from './intake';
