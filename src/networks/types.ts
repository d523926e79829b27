import type { AmountPrecisionPolicy, Conversion } from '../model';

/** One HTTP request as a network sent it, independent of any web framework. */
export interface PostbackRequest {
	method: string;
	query?: Record<string, string | string[] | undefined>;
	/** A raw string (form or JSON), a Buffer, or an already-parsed object. */
	body?: unknown;
	headers?: Record<string, string | string[] | undefined>;
}

export interface ParseOptions {
	/** ClickBank's INS secret key. */
	secret?: string;
	/** Currency when the postback names none (default USD). */
	currency?: string;
	/** IANA zone for networks that send local times without an offset (default UTC). */
	timezone?: string;
	/** Clock for `receivedAt` and for conversions that carry no time. */
	now?: () => Date;
	/**
	 * Custom preset only: where to read each standard parameter from, when the sender cannot use our
	 * parameter names (a JSON body it shapes itself). Dotted paths reach into JSON objects.
	 */
	fieldMap?: Partial<Record<CustomParam, string>>;
	/**
	 * An amount or commission finer than its currency's minor unit (0.005 USD): kept as sent ('keep', the default:
	 * the Conversion Funnel decides before the ledger), refused ('reject': error `amount_precision` naming the
	 * field) or fitted by a rounding rule.
	 */
	amountPrecision?: AmountPrecisionPolicy | 'keep';
}

export const customParams = [
	'click_id',
	'commission',
	'amount',
	'currency',
	'transaction_id',
	'order_id',
	'brand_name',
	'event_name',
	'status',
	'affiliate_id',
	'offer_id',
	'occurred_at',
	'coupon',
	'email',
	'first_name',
	'last_name',
	'name',
	'phone',
	'birthdate',
	'city',
	'state',
	'zipcode',
	'country',
	'external_id',
	'consent',
	'ad_user_data',
	'ad_personalization',
] as const;
export type CustomParam = (typeof customParams)[number];

export type PostbackErrorCode =
	| 'missing_click_id'
	| 'missing_field'
	| 'invalid_amount'
	| 'amount_precision'
	| 'unknown_currency'
	| 'invalid_date'
	| 'invalid_status'
	| 'invalid_body'
	| 'missing_secret'
	| 'undecryptable_body'
	| 'invalid_conversion'
	/** A value longer than intake reads for it (see FIELD_LIMITS in src/intake.ts): refused, never cut. */
	| 'field_too_long';

export interface PostbackError {
	code: PostbackErrorCode;
	/** Written for the network's operator: what was wrong and which parameter to fix. */
	message: string;
	/** The parameter (as the network names it) that caused the error. */
	field?: string;
}

export type ParseResult = { ok: true; conversion: Conversion } | { ok: false; error: PostbackError };

export type NetworkId = 'shareasale' | 'custom' | 'tune' | 'aspire' | 'impact' | 'awin' | 'everflow' | 'clickbank' | 'pap' | 'voluum' | 'keitaro';

export interface NetworkPreset {
	id: NetworkId;
	/** Display name. */
	name: string;
	/** The parameter our click id rides out in on the offer link. */
	subidParam: string;
	/** The macro the network replaces with that subid in its postback. */
	clickIdMacro: string;
	/** A line for the node panel: where to paste the URL and anything the network needs besides. */
	setupHint: string;
	/** The URL to paste into the network, in the network's own macro syntax. */
	postbackUrlTemplate(baseUrl: string): string;
	parse(request: PostbackRequest, options: ParseOptions): ParseResult;
}
