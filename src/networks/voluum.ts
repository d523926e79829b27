import { finishConversion, fail } from './conversion';
import { parseBody, pickIgnoringCase, queryFields, withQuery } from './fields';
import type { NetworkPreset } from './types';

/**
 * Voluum's tracker postback: `cid` is the click id Voluum (or this node) handed out. Voluum's own
 * URL samples use the words REPLACE and OPTIONAL as placeholders; a URL pasted without replacing
 * them must not turn "REPLACE" into a click id or "OPTIONAL" into a transaction id.
 */
const VOLUUM_PLACEHOLDERS = ['REPLACE', 'OPTIONAL'] as const;

export const voluum: NetworkPreset = {
	id: 'voluum',
	name: 'Voluum',
	subidParam: 'cid',
	clickIdMacro: '{clickid}',
	setupHint:
		"Paste this URL into the platform that reports conversions and replace each {placeholder} with that platform's macro: cid is the click id it received, payout the commission, txid a unique transaction id (repeats of the same cid need a new txid).",
	postbackUrlTemplate: (baseUrl) =>
		withQuery(baseUrl, [
			['cid', '{clickid}'],
			['payout', '{payout}'],
			['txid', '{txid}'],
			['currency', '{currency}'],
			['et', '{event_type}'],
		]),
	parse(request, options) {
		const body = parseBody(request);
		if (!body.ok) return fail('invalid_body', `Voluum postback: ${body.message}.`);
		// Voluum sends GET; a POST with the same names in a form or JSON body is read the same way.
		const fields = { ...queryFields(request), ...body.fields };
		const get = (name: string) => pickIgnoringCase(fields, [name], VOLUUM_PLACEHOLDERS);
		return finishConversion(
			{
				clickId: get('cid'),
				commission: get('payout'),
				transactionId: get('txid'),
				currency: get('currency'),
				// `et` is Voluum's custom conversion type (a name the operator defined, such as "signup").
				networkEventType: get('et'),
			},
			{ network: 'voluum', request, options, bodyAsReceived: body.asReceived, clickIdParam: 'cid' },
		);
	},
};
