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
export {
	classifyConversion,
	runFunnel,
	attributeConversion,
	customerKeyFor,
	destinationEventsFor,
	DESTINATION_EVENTS,
	ledgerLinesFor,
	sequenceEvent,
	funnelItemSchema,
	funnelOutputs,
} from './funnel';
export type {
	Classification,
	ClassifyOptions,
	Route,
	StatusPolicy,
	FunnelOptions,
	FunnelOutput,
	FunnelItem,
	FunnelResult,
	Attribution,
	AttributionMethod,
	AttributionWindow,
	AttributionModel,
	ConversionClick,
	MappedPlatform,
	DestinationEvents,
	EventMappingOverrides,
} from './funnel';
// The tracking store: `openStore({ kind: 'sqlite', path } | { kind: 'postgres', connectionString })`,
// whose `claimConversion({ network, transactionId, eventName })` resolves to 'first' or 'duplicate'.
export { openStore, sharedStore, closeSharedStores, defaultSqlitePath, conversionIdFor, DEFAULT_CLAIM_LEASE_MS } from './store';
export type {
	TrackingStore,
	StoreConfig,
	ClickRecord,
	AdClickIds,
	ConversionKey,
	ClaimResult,
	ClaimOptions,
	ClaimOutcome,
	StoredConversion,
	StatusChange,
	LedgerEntry,
	LedgerKind,
	LedgerFilter,
} from './store';
// Click tracking: click ids, offer redirects (never open), Tag Link and the AutoTag script.
export { mintClickId, buildOfferRedirect, tagLink, resolveTarget, autoTagScript, buildFbc } from './clicks';
// Per-platform normalization and hashing of user data.
export { isSha256Hex } from './identity';
export type { IdentityField, IdentityOptions } from './identity';
export { normalizeAndHash, normalizeForPlatform } from './destinations/user-data';
export type { IdentityPlatform } from './destinations/user-data';
// Ad-platform destinations: `buildPlatformRequests(platform, conversions, config)` and the sender with retries.
export { buildPlatformRequests, planPlatformRequests, sendToPlatform, eventIdFor, DESTINATIONS } from './destinations';
export type {
	Platform,
	PlatformConfigs,
	MetaConfig,
	TikTokConfig,
	GoogleAdsConfig,
	PlatformRequest,
	PlatformResponse,
	EventResult,
	EventOutcome,
	ForwardableConversion,
	ForwardableEvent,
} from './destinations';
// Affiliate payouts: what is due (`calculateDuePayouts(entries, rules, asOf)`), commission rules, statements,
// paying from the store through PayPal Payouts or Stripe Connect (never twice), and the provider clients.
export {
	calculateDuePayouts,
	calculatePayoutPlan,
	payoutSchedule,
	commissionFor,
	validateCommissionRules,
	buildStatement,
	statementCsv,
	statementHtml,
	planPayouts,
	payDuePayouts,
	syncPayouts,
	statementFor,
	payoutItemIdFor,
	payoutBatchIdFor,
	PAYOUT_PROVIDERS,
	PayoutOutcomeUnknown,
	PayoutRequestRejected,
} from './payouts';
export type {
	DuePayout,
	PayoutPlan,
	PayoutRules,
	PayoutLedgerLine,
	CommissionRule,
	CommissionResult,
	Statement,
	PayoutContext,
	PayoutReport,
	PayoutRunResult,
	PayoutProvider,
	PayoutProviderId,
	PayPalConfig,
	StripeConfig,
} from './payouts';
// Server-to-server postbacks to partners (Send Postback): presets, macros, retries and dedup.
export { buildPartnerPostback, sendPartnerPostback, postbackToPartner, PARTNER_PRESETS, partnerDedupKey } from './partners';
export type { BuiltPartnerPostback, PartnerPostbackResult, PartnerPreset } from './partners';
