import { aspire } from './aspire';
import { awin } from './awin';
import { clickbank } from './clickbank';
import { custom } from './custom';
import { everflow } from './everflow';
import { impact } from './impact';
import { keitaro } from './keitaro';
import { pap } from './pap';
import { shareasale } from './shareasale';
import { tune } from './tune';
import type { NetworkId, NetworkPreset, ParseOptions, ParseResult, PostbackRequest } from './types';
import { voluum } from './voluum';

/** Every network preset, in the order the node's dropdown shows them. Adding a network: one module, one line here. */
export const NETWORK_PRESETS: readonly NetworkPreset[] = [shareasale, awin, impact, tune, aspire, everflow, clickbank, pap, voluum, keitaro, custom];

const byId = new Map<string, NetworkPreset>(NETWORK_PRESETS.map((preset) => [preset.id, preset]));

export function getNetwork(id: string): NetworkPreset | undefined {
	return byId.get(id);
}

export interface NetworkInfo {
	id: NetworkId;
	name: string;
	subidParam: string;
	clickIdMacro: string;
	setupHint: string;
	postbackUrlTemplate(baseUrl: string): string;
}

export function listNetworks(): NetworkInfo[] {
	return NETWORK_PRESETS.map((preset) => ({
		id: preset.id,
		name: preset.name,
		subidParam: preset.subidParam,
		clickIdMacro: preset.clickIdMacro,
		setupHint: preset.setupHint,
		postbackUrlTemplate: (baseUrl: string) => preset.postbackUrlTemplate(baseUrl),
	}));
}

/**
 * Parses one postback with a network's preset. Never throws: any input, however malformed, comes
 * back as `{ ok: false, error }` so the caller can answer the network and keep the request.
 */
export function parsePostback(networkId: string, request: PostbackRequest, options: ParseOptions = {}): ParseResult {
	const preset = byId.get(networkId);
	if (!preset) {
		return {
			ok: false,
			error: { code: 'invalid_conversion', message: `Unknown network "${networkId}". Known: ${NETWORK_PRESETS.map((p) => p.id).join(', ')}.` },
		};
	}
	try {
		return preset.parse(request, options);
	} catch (error) {
		// A parser bug must still not lose the postback: report it as a rejected request.
		const reason = error instanceof Error ? error.message : String(error);
		return { ok: false, error: { code: 'invalid_body', message: `The ${preset.name} postback could not be read: ${reason}` } };
	}
}

export { customPostbackUrl, DEFAULT_CUSTOM_TEMPLATE } from './custom';
export { toUtcIso, isValidTimeZone } from './dates';
export { isMissingValue } from './fields';
export * from './types';
