/**
 * Send Postback: a server-to-server postback to a partner (an affiliate network, a tracker, a partner's own
 * endpoint) built from a URL template whose macros are filled from a conversion.
 *
 * Macro syntax: `{name}`, e.g. `{click_id}`. A preset may also accept its partner's own spelling (Aspire's
 * `AFFILIATE_ID`, Voluum's `REPLACE`, Keitaro's `{subid}`), so a URL pasted from the partner's instructions works.
 */
import type { HttpRequest } from '../http/port';
import type { ConversionStatus } from '../model';

export type PartnerPresetId = 'aspire' | 'pap' | 'everflow' | 'voluum' | 'keitaro' | 'custom';

/** GET with the values in the query, or POST with the same values as a form or a JSON body. */
export type PartnerMethod = 'GET' | 'POST_FORM' | 'POST_JSON';

/** What to do with a query parameter whose value is only macros that came out empty. */
export type EmptyParameters = 'keep' | 'omit';

/**
 * The item the macros are filled from: a Conversion Funnel item or a canonical conversion (both carry these
 * fields), or any JSON with some of them. Unknown fields are ignored.
 */
export interface PostbackItem {
	clickId?: string | null;
	transactionId?: string | null;
	orderId?: string | null;
	amount?: string | number | null;
	commission?: string | number | null;
	currency?: string | null;
	affiliateId?: string | null;
	offerId?: string | null;
	eventName?: string | null;
	status?: ConversionStatus | string | null;
	network?: string | null;
	occurredAt?: string | null;
	/** The Conversion Funnel's id for the stored conversion. */
	conversionId?: string | null;
	/** The click the funnel matched. */
	click?: { clickId?: string | null } | null;
	/** The funnel's attribution: the affiliate credited with the conversion (from the click, a coupon, …). */
	attribution?: { affiliateId?: string | null } | null;
	/** The ledger outcome: the affiliate whose commission was written. */
	ledger?: { affiliateId?: string | null } | null;
}

/** A partner's own spelling of one of our macros: a whole query value (optionally only under one parameter name). */
export interface NativePlaceholder {
	/** The literal text the partner's instructions use, e.g. `AFFILIATE_ID` or `REPLACE`. */
	placeholder: string;
	/** Our macro it stands for. */
	macro: string;
	/** Only when it is the value of this query parameter (Voluum's OPTIONAL means payout or txid by position). */
	parameter?: string;
}

export interface PartnerPreset {
	id: PartnerPresetId;
	name: string;
	/** What it is for and how to set it up, for the node's panel. */
	description: string;
	/** The URL template the node starts from (the operator can edit it). */
	template: string;
	method: PartnerMethod;
	/** The default for empty parameters (omit where the partner reads a present-but-empty parameter as a value). */
	emptyParameters: EmptyParameters;
	/**
	 * Required values: each entry lists macros of which at least one must have a value (alternatives, such as
	 * Aspire's partner-id or transaction-id protocol). Checked on the values, whatever the template contains.
	 */
	required: ReadonlyArray<readonly string[]>;
	/** Macros this preset adds beyond the standard ones (empty unless the operator maps them under Values), with what they mean. */
	macros?: Readonly<Record<string, string>>;
	/** The partner's own macro names in braces, mapped to ours: `{subid}` → click_id. */
	aliases?: Readonly<Record<string, string>>;
	/** The partner's bare placeholder words (whole query values). */
	placeholders?: readonly NativePlaceholder[];
	/** The partner's words for our statuses, used by `{status}`. */
	statusWords?: Readonly<Partial<Record<ConversionStatus, string>>>;
	/** Text in the default template the operator must replace (their domain); a template still containing it is refused. */
	setupPlaceholders?: readonly string[];
}

export interface BuildPartnerOptions {
	/** The URL template; defaults to the preset's. */
	template?: string;
	method?: PartnerMethod;
	/**
	 * Further macro values (the node's Values, from n8n expressions): a new macro, or an override of a standard one
	 * by its name. Numbers and booleans become text; null and undefined are empty.
	 */
	values?: Record<string, unknown>;
	emptyParameters?: EmptyParameters;
}

/** The HTTP request to send: what `buildPartnerPostback` returns. */
export interface PartnerRequest extends HttpRequest {
	method: 'GET' | 'POST';
	url: string;
	headers: Record<string, string>;
	/** The form or JSON text for POST. */
	body?: string;
}

export interface BuiltPartnerPostback extends PartnerRequest {
	/** The preset it was built with. */
	preset: PartnerPresetId;
	/** The method as chosen (GET, POST form, POST JSON). */
	partnerMethod: PartnerMethod;
	/** Macros (as written in the template) that had no value and were sent empty or left out. */
	emptyMacros: string[];
	/** Query parameters left out because their macros were empty (emptyParameters: 'omit'). */
	omittedParameters: string[];
	/** The URL with secret values replaced: what may be shown or logged. */
	redactedUrl: string;
	/** The body with secret values replaced. */
	redactedBody?: string;
	/** Values that must never be shown (those of secret-looking parameters and macros), for redacting responses and errors. */
	secrets: string[];
}

export type PartnerErrorCode = 'unknown_preset' | 'unknown_macro' | 'missing_required' | 'template_not_configured' | 'invalid_url';

/** A postback that cannot be built: the operator's settings or the item are wrong. Messages carry macro names, never values. */
export class PartnerPostbackError extends Error {
	constructor(
		readonly code: PartnerErrorCode,
		message: string,
		/** The macros concerned (unknown ones, or the required ones missing). */
		readonly macros: string[] = [],
	) {
		super(message);
		this.name = 'PartnerPostbackError';
	}
}
