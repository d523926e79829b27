import type { ConversionStatus } from '../model';
import { fail, finishConversion } from './conversion';
import { parseBody, pickIgnoringCase, queryFields, withQuery } from './fields';
import { normalizeStatus } from './status';
import type { NetworkPreset } from './types';

/**
 * Keitaro's conversion words. A lead waits for a sale (lead → sale or lead → rejected), so it is
 * pending; a rebill is a further paid sale; trash is Keitaro's bin for junk conversions.
 */
const KEITARO_STATUS: Record<string, ConversionStatus> = {
	lead: 'pending',
	sale: 'approved',
	rejected: 'rejected',
	rebill: 'approved',
	trash: 'rejected',
};

export const keitaro: NetworkPreset = {
	id: 'keitaro',
	name: 'Keitaro',
	subidParam: 'subid',
	clickIdMacro: '{subid}',
	setupHint:
		"Paste this URL into the platform that reports conversions and replace each {placeholder} with that platform's macro: subid is the click id, status one of lead, sale, rejected or rebill, tid a unique transaction id (a rebill needs a new one).",
	postbackUrlTemplate: (baseUrl) =>
		withQuery(baseUrl, [
			['subid', '{subid}'],
			['status', '{status}'],
			['payout', '{payout}'],
			['tid', '{tid}'],
			['currency', '{currency}'],
		]),
	parse(request, options) {
		const body = parseBody(request);
		if (!body.ok) return fail('invalid_body', `Keitaro postback: ${body.message}.`);
		const fields = { ...queryFields(request), ...body.fields };
		const get = (...names: string[]) => pickIgnoringCase(fields, names);

		const statusWord = get('status');
		// Keitaro records a postback without a status as a lead, so it is pending until a sale follows.
		let status: ConversionStatus = 'pending';
		if (statusWord) {
			const mapped = KEITARO_STATUS[statusWord.value.toLowerCase()] ?? normalizeStatus(statusWord.value);
			if (!mapped) {
				return fail('invalid_status', `"${statusWord.field}" must be lead, sale, rejected or rebill, got "${statusWord.value}".`, statusWord.field);
			}
			status = mapped;
		}
		return finishConversion(
			{
				clickId: get('subid'),
				transactionId: get('tid'),
				// Keitaro itself accepts either name for the amount; payout wins when both are sent.
				commission: get('payout', 'revenue'),
				currency: get('currency'),
				status,
				// The word as sent (lead, sale, rebill…): Keitaro keeps it, and so does the conversion.
				networkEventType: statusWord,
			},
			{ network: 'keitaro', request, options, bodyAsReceived: body.asReceived, clickIdParam: 'subid' },
		);
	},
};
