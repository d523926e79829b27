// Send Postback: server-to-server postbacks to partners from URL templates (see ./types.ts for the macro syntax).
export * from './types';
export { PARTNER_PRESETS, getPartnerPreset, partnerPresetIds } from './presets';
export { STANDARD_MACROS, standardValues } from './values';
export { parseTemplate, macrosOf, splitMacros, withoutBraces } from './macros';
export { REDACTED, isSecretName, redactBody, redactText, redactUrl } from './redact';
export { buildPartnerPostback, resolvePartnerPreset } from './build';
export {
	DEFAULT_POSTBACK_LEASE_MS,
	RESPONSE_EXCERPT_LENGTH,
	partnerDedupKey,
	postbackLeaseMs,
	postbackToPartner,
	sendPartnerPostback,
	type PartnerDedupOptions,
	type PartnerPostbackResult,
	type PartnerPostbackStatus,
	type PartnerResponse,
	type PartnerSendDependencies,
	type PostbackToPartnerOptions,
	type SendPartnerOptions,
} from './send';
