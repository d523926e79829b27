/** Why a click request (or a Tag Link call) could not be served. Mirrors `PostbackError` in src/networks. */
export type ClickErrorCode =
	| 'missing_target'
	| 'conflicting_target'
	| 'unknown_offer'
	| 'invalid_url'
	| 'unsupported_scheme'
	| 'credentials_in_url'
	| 'domain_not_allowed'
	| 'invalid_click_id'
	| 'unknown_network'
	| 'misconfigured';

export interface ClickError {
	code: ClickErrorCode;
	/** Written for whoever built the link: what was wrong and what to change. */
	message: string;
	/** The request parameter (or node setting) at fault. */
	field?: string;
}

export type ClickResult<T> = ({ ok: true } & T) | { ok: false; error: ClickError };

/** A click request as the tracker sees it, free of express and n8n types. */
export interface ClickRequest {
	method?: string;
	query: Record<string, unknown>;
	headers: Record<string, string | string[] | undefined>;
	/** The socket (or n8n-resolved) client address. */
	ip?: string;
	/** Cookies the web server already parsed; the `Cookie` header is read when absent. */
	cookies?: Record<string, string>;
	/** Whether the request reached n8n over HTTPS (express `req.secure`). */
	secure?: boolean;
}
