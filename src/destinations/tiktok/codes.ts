/**
 * TikTok Business API answer codes (the `code` of `{ code, message, request_id, data }`, which arrives with
 * HTTP 200 whether the call worked or not) and what each means for an event we sent. Numbers from
 * reference/destinations.md ("Responses and errors") and TikTok's published return-code list.
 */

export const TIKTOK_OK = 0;
/** Some events were accepted; the message names the ones that were not. */
export const TIKTOK_PARTIAL_SUCCESS = 20001;

/** Throttling: send the same events again later. */
export const TIKTOK_RATE_LIMIT_CODES: ReadonlySet<number> = new Set([
	40100, // requests made too frequently
	40132, // request frequency limited
]);

/** The access token (or what it may do) is the problem: sending again cannot help until the credential is fixed. */
export const TIKTOK_AUTH_CODES: ReadonlySet<number> = new Set([
	40001, // no permission (e.g. the pixel belongs to another account than the token)
	40003, // forbidden
	40102, // access token expired
	40104, // access token missing
	40105, // access token incorrect or revoked
	40106, // invalid core user
	40113, // app forbidden
	40118, // not in allowlist
	40125, // developer has no permission
	40130, // scope not authorized
]);

/** The request or its data was refused: sending the same data again fails again. */
export const TIKTOK_INVALID_DATA_CODES: ReadonlySet<number> = new Set([
	40000, // invalid parameters
	40002, // parameter error (the message names the failing path)
	40061, // invalid batch size
	40062, // personal data not hashed
]);

/** TikTok's own trouble (system error, timeout, internal services): transient. */
export function isTikTokServerErrorCode(code: number): boolean {
	return code === 50000 || code === 50002 || (code >= 51000 && code < 52000);
}

export const TIKTOK_CREDENTIAL_HINT =
	'Check the TikTok Events API credential: the access token must be one generated for this pixel in TikTok Events Manager (Settings → Generate Access Token), sent unchanged, and not revoked.';
