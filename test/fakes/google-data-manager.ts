/**
 * A strict local stand-in for Google's Data Manager API (REST v1), built from Google's published reference
 * (https://developers.google.com/data-manager/api/reference/rest/v1/events/ingest and the types it links,
 * https://developers.google.com/data-manager/api/devguides/limits ,
 * https://developers.google.com/data-manager/api/devguides/concepts/formatting ). It answers in Google's shapes:
 *
 *   POST /v1/events:ingest                                   the upload: { requestId }, or a google.rpc.Status error
 *   GET  /v1/requestStatus:retrieve?requestId=…              diagnostics per destination
 *   GET  /v1/accountTypes/GOOGLE_ADS/accounts/{id}/userLists  the credential's Test request
 *   POST /token                                              an OAuth2 token endpoint (refresh_token)
 *
 * Errors are `{ error: { code, message, status, details } }` with an ErrorInfo (reason from ErrorReason, domain
 * datamanager.googleapis.com) and, for a field, a BadRequest whose fieldViolations name it `events[<i>].…`.
 * The API fails fast: one bad event refuses the whole request, nothing recorded. Refused here:
 * - no bearer token, an unknown one (401 UNAUTHENTICATED); a token without the datamanager scope (403
 *   PERMISSION_DENIED, ACCESS_TOKEN_SCOPE_INSUFFICIENT); a developer-token-only call (no bearer) likewise 401;
 * - an account the user cannot reach, or reaches only through a manager the request does not name as its
 *   loginAccount (403 PERMISSION_DENIED);
 * - unknown JSON field names and wrong JSON types (proto JSON rejects them: 400 INVALID_ARGUMENT);
 * - destinations missing (REQUIRED_FIELD_MISSING) or more than 10 (TOO_MANY_DESTINATIONS); an operating account
 *   without accountType, or an account id that is not digits (INVALID_DESTINATION); a productDestinationId that is
 *   not a numeric conversion action id (INVALID_CONVERSION_ACTION_ID);
 * - events missing or more than 2000 (TOO_MANY_EVENTS); an eventTimestamp that is not RFC 3339 (INVALID_FORMAT)
 *   or in the future (EVENT_TIME_INVALID); no ad identifier and no user data (NO_IDENTIFIERS_PROVIDED); more
 *   than one click id; a currency that is not three upper-case letters (INVALID_CURRENCY_CODE); conversionValue
 *   not a JSON number; a consent value outside ConsentStatus (INVALID_ENUM_VALUE);
 * - user data without `encoding` (REQUIRED_FIELD_MISSING); a hash that is not 64 hex digits under HEX
 *   (INVALID_HEX_ENCODING / INVALID_SHA256_FORMAT) or not base64 of 32 bytes under BASE64
 *   (INVALID_BASE64_ENCODING); more than 10 user identifiers (TOO_MANY_USER_IDENTIFIERS); a user identifier
 *   with not exactly one of emailAddress / phoneNumber / address.
 *
 * What the real API checks only while processing (seen in requestStatus, not in the answer) is recorded per
 * request: an event with no consent for an account whose settings need it (`consentRequired`: an EEA
 * advertiser) is PROCESSING_ERROR_REASON_UNKNOWN_CONSENT, one whose ad-user-data consent is denied
 * PROCESSING_ERROR_REASON_DENIED_CONSENT; neither is recorded. An event whose transactionId matches a recorded
 * conversion of the same conversion action is an adjustment: its value and currency replace the recorded ones
 * (https://developers.google.com/data-manager/api/devguides/events/google-ads/conversion-adjustments).
 * Not confirmed against the live API: the exact field path spelling in fieldViolations, and that a future
 * timestamp fails fast (EVENT_TIME_INVALID is a published reason; when it is raised is not documented).
 *
 * Fault injection: `failNext(count, status)` answers the next `count` ingests with 429 / 500 / 503.
 */
import { type FakeResponse, type JsonFake, type RecordedRequest, startJsonFake } from './server';

export const FAKE_DATA_MANAGER_ACCESS_TOKEN = 'fake-data-manager-access-token';
export const FAKE_DATA_MANAGER_REFRESH_TOKEN = 'fake-data-manager-refresh-token';
/** A token for the Google Ads API scope only (what a Google Ads credential holds): refused here. */
export const FAKE_ADWORDS_ONLY_TOKEN = 'fake-adwords-scope-token';

const MAX_EVENTS = 2000;
const MAX_DESTINATIONS = 10;
const MAX_IDENTIFIERS = 10;
const HEX64 = /^[0-9a-fA-F]{64}$/;
const BASE64_SHA256 = /^[A-Za-z0-9+/]{43}=$/;
// RFC 3339 as proto JSON parses a Timestamp: a date, 'T', a time with optional fraction, Z or an offset.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const CONSENT_STATUSES = new Set(['CONSENT_STATUS_UNSPECIFIED', 'CONSENT_GRANTED', 'CONSENT_DENIED']);
const BODY_FIELDS = new Set(['destinations', 'events', 'consent', 'validateOnly', 'encoding', 'encryptionInfo']);
const DESTINATION_FIELDS = new Set(['reference', 'loginAccount', 'linkedAccount', 'operatingAccount', 'productDestinationId']);
const ACCOUNT_FIELDS = new Set(['product', 'accountId', 'accountType']);
const ACCOUNT_TYPES = new Set([
	'GOOGLE_ADS',
	'DISPLAY_VIDEO_PARTNER',
	'DISPLAY_VIDEO_ADVERTISER',
	'DATA_PARTNER',
	'GOOGLE_ANALYTICS_PROPERTY',
	'FLOODLIGHT_CONFIG',
]);
const EVENT_FIELDS = new Set([
	'destinationReferences',
	'transactionId',
	'eventTimestamp',
	'lastUpdatedTimestamp',
	'userData',
	'consent',
	'adIdentifiers',
	'currency',
	'conversionValue',
	'eventSource',
	'eventDeviceInfo',
	'cartData',
	'customVariables',
	'experimentalFields',
	'userProperties',
]);
const AD_IDENTIFIER_FIELDS = new Set(['sessionAttributes', 'gclid', 'gbraid', 'wbraid', 'landingPageDeviceInfo']);
const EVENT_SOURCES = new Set(['WEB', 'APP', 'IN_STORE', 'PHONE', 'OTHER']);

export interface DataManagerFakeOptions {
	/** Tokens with the datamanager scope (plus the ones /token issues). Default [FAKE_DATA_MANAGER_ACCESS_TOKEN]. */
	accessTokens?: string[];
	refreshToken?: string;
	/** Accounts the user reaches, with the manager each must be reached through. Default: every account, directly. */
	accounts?: Record<string, { manager?: string }>;
	/** Accounts whose consent settings need consent on each event (EEA advertisers). */
	consentRequired?: string[];
	now?: () => Date;
}

export interface RecordedConversion {
	operatingAccountId: string;
	conversionActionId: string;
	transactionId?: string;
	eventTimestamp: string;
	adIdentifiers?: Record<string, string>;
	userIdentifiers?: Array<Record<string, string>>;
	conversionValue?: number;
	currency?: string;
	consent?: Record<string, string>;
	/** Restatements applied to it since (values in order). */
	restatedTo: number[];
}

export interface DataManagerFake extends JsonFake {
	failNext(count: number, status: 429 | 500 | 503): void;
	/** Every conversion recorded (validateOnly and refused events record nothing). */
	recorded: RecordedConversion[];
	/** The ingest requests that reached validation. */
	ingests(): RecordedRequest[];
	tokenUrl: string;
}

interface Violation {
	field: string;
	description: string;
	reason: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function rpcError(httpStatus: number, status: string, message: string, reason: string, violations: Violation[] = []): FakeResponse {
	const details: Array<Record<string, unknown>> = [
		{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'datamanager.googleapis.com', metadata: {} },
	];
	if (violations.length > 0) details.push({ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: violations });
	return { status: httpStatus, body: { error: { code: httpStatus, message, status, details } } };
}

const invalid = (violations: Violation[]) =>
	rpcError(400, 'INVALID_ARGUMENT', 'There was a problem with the request.', violations[0]?.reason ?? 'INVALID_ARGUMENT', violations);

export async function startDataManagerFake(options: DataManagerFakeOptions = {}): Promise<DataManagerFake> {
	const tokens = new Set(options.accessTokens ?? [FAKE_DATA_MANAGER_ACCESS_TOKEN]);
	const refreshToken = options.refreshToken ?? FAKE_DATA_MANAGER_REFRESH_TOKEN;
	const now = options.now ?? (() => new Date());
	const consentRequired = new Set(options.consentRequired ?? []);
	const recorded: RecordedConversion[] = [];
	const statuses = new Map<string, Record<string, unknown>>();
	const ingestRequests: RecordedRequest[] = [];
	let faults: Array<429 | 500 | 503> = [];
	let requestCounter = 0;

	function checkAuth(request: RecordedRequest): FakeResponse | undefined {
		if (request.query.access_token !== undefined) return rpcError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.', 'UNAUTHENTICATED');
		const header = String(request.headers.authorization ?? '');
		const token = /^Bearer (.+)$/.exec(header)?.[1];
		if (token === FAKE_ADWORDS_ONLY_TOKEN) {
			return rpcError(403, 'PERMISSION_DENIED', 'Request had insufficient authentication scopes.', 'ACCESS_TOKEN_SCOPE_INSUFFICIENT');
		}
		if (!token || !tokens.has(token)) {
			return rpcError(
				401,
				'UNAUTHENTICATED',
				'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
				'UNAUTHENTICATED',
			);
		}
		return undefined;
	}

	function reaches(accountId: string, loginId: string | undefined): boolean {
		const rule = options.accounts ? options.accounts[accountId] : {};
		if (!rule) return false;
		return rule.manager === undefined || rule.manager === loginId;
	}

	function checkAccount(value: unknown, field: string, violations: Violation[]): { id: string; type: string } | undefined {
		if (!isRecord(value)) {
			violations.push({ field, description: 'Required field is missing.', reason: 'REQUIRED_FIELD_MISSING' });
			return undefined;
		}
		for (const key of Object.keys(value)) {
			if (!ACCOUNT_FIELDS.has(key))
				violations.push({ field: `${field}.${key}`, description: `Unknown name "${key}": Cannot find field.`, reason: 'INVALID_ARGUMENT' });
		}
		const type = value.accountType ?? value.product;
		if (typeof type !== 'string' || !ACCOUNT_TYPES.has(type)) {
			violations.push({ field: `${field}.account_type`, description: 'Either account_type or product is required.', reason: 'INVALID_DESTINATION' });
		}
		if (typeof value.accountId !== 'string' || !/^\d+$/.test(value.accountId)) {
			violations.push({ field: `${field}.account_id`, description: 'The account ID must be digits only.', reason: 'INVALID_DESTINATION' });
			return undefined;
		}
		return { id: value.accountId, type: String(type) };
	}

	function checkHash(value: unknown, encoding: unknown, field: string, violations: Violation[]) {
		if (typeof value !== 'string') {
			violations.push({ field, description: 'Invalid value: expected a string.', reason: 'INVALID_ARGUMENT' });
		} else if (encoding === 'BASE64') {
			if (!BASE64_SHA256.test(value)) violations.push({ field, description: 'The base64 encoded value is malformed.', reason: 'INVALID_BASE64_ENCODING' });
		} else if (!/^[0-9a-fA-F]*$/.test(value)) {
			violations.push({ field, description: 'The HEX encoded value is malformed.', reason: 'INVALID_HEX_ENCODING' });
		} else if (!HEX64.test(value)) {
			violations.push({ field, description: 'The SHA256 encoded value is malformed.', reason: 'INVALID_SHA256_FORMAT' });
		}
	}

	function checkConsent(value: unknown, field: string, violations: Violation[]) {
		if (value === undefined) return;
		if (!isRecord(value)) {
			violations.push({ field, description: 'Invalid value: expected an object.', reason: 'INVALID_ARGUMENT' });
			return;
		}
		for (const [key, status] of Object.entries(value)) {
			if (key !== 'adUserData' && key !== 'adPersonalization') {
				violations.push({ field: `${field}.${key}`, description: `Unknown name "${key}": Cannot find field.`, reason: 'INVALID_ARGUMENT' });
			} else if (typeof status !== 'string' || !CONSENT_STATUSES.has(status)) {
				violations.push({ field: `${field}.${key}`, description: `Invalid value "${String(status)}" for enum ConsentStatus.`, reason: 'INVALID_ENUM_VALUE' });
			}
		}
	}

	function checkEvent(event: unknown, index: number, encoding: unknown, violations: Violation[]) {
		const at = `events[${index}]`;
		if (!isRecord(event)) {
			violations.push({ field: at, description: 'Invalid value: expected an object.', reason: 'INVALID_ARGUMENT' });
			return;
		}
		for (const key of Object.keys(event)) {
			if (!EVENT_FIELDS.has(key))
				violations.push({ field: `${at}.${key}`, description: `Unknown name "${key}": Cannot find field.`, reason: 'INVALID_ARGUMENT' });
		}
		const timestamp = event.eventTimestamp;
		if (timestamp === undefined) {
			violations.push({ field: `${at}.event_timestamp`, description: 'Required field is missing.', reason: 'REQUIRED_FIELD_MISSING' });
		} else if (typeof timestamp !== 'string' || !RFC3339.test(timestamp) || Number.isNaN(Date.parse(timestamp))) {
			violations.push({
				field: `${at}.event_timestamp`,
				description: `Invalid value "${String(timestamp)}": not an RFC 3339 timestamp.`,
				reason: 'INVALID_FORMAT',
			});
		} else if (Date.parse(timestamp) > now().getTime()) {
			violations.push({ field: `${at}.event_timestamp`, description: 'The event time is in the future.', reason: 'EVENT_TIME_INVALID' });
		}
		if (event.transactionId !== undefined && typeof event.transactionId !== 'string') {
			violations.push({ field: `${at}.transaction_id`, description: 'Invalid value: expected a string.', reason: 'INVALID_ARGUMENT' });
		}
		if (event.conversionValue !== undefined && typeof event.conversionValue !== 'number') {
			violations.push({ field: `${at}.conversion_value`, description: 'Invalid value: expected a number.', reason: 'INVALID_NUMBER_FORMAT' });
		}
		if (event.currency !== undefined && (typeof event.currency !== 'string' || !/^[A-Z]{3}$/.test(event.currency))) {
			violations.push({ field: `${at}.currency`, description: 'The currency code is not supported.', reason: 'INVALID_CURRENCY_CODE' });
		}
		if (event.eventSource !== undefined && (typeof event.eventSource !== 'string' || !EVENT_SOURCES.has(event.eventSource))) {
			violations.push({
				field: `${at}.event_source`,
				description: `Invalid value "${String(event.eventSource)}" for enum EventSource.`,
				reason: 'INVALID_ENUM_VALUE',
			});
		}
		checkConsent(event.consent, `${at}.consent`, violations);
		let clickIds = 0;
		if (event.adIdentifiers !== undefined) {
			if (!isRecord(event.adIdentifiers)) {
				violations.push({ field: `${at}.ad_identifiers`, description: 'Invalid value: expected an object.', reason: 'INVALID_ARGUMENT' });
			} else {
				for (const [key, value] of Object.entries(event.adIdentifiers)) {
					if (!AD_IDENTIFIER_FIELDS.has(key)) {
						violations.push({ field: `${at}.ad_identifiers.${key}`, description: `Unknown name "${key}": Cannot find field.`, reason: 'INVALID_ARGUMENT' });
					} else if (['gclid', 'gbraid', 'wbraid'].includes(key)) {
						if (typeof value !== 'string' || value.trim() === '') {
							violations.push({ field: `${at}.ad_identifiers.${key}`, description: 'Invalid value: expected a non-empty string.', reason: 'INVALID_FORMAT' });
						} else clickIds += 1;
					}
				}
				if (clickIds > 1) violations.push({ field: `${at}.ad_identifiers`, description: 'Set only one of gclid, gbraid and wbraid.', reason: 'INVALID_EVENT' });
			}
		}
		let identifiers = 0;
		if (event.userData !== undefined) {
			const list = isRecord(event.userData) ? event.userData.userIdentifiers : undefined;
			if (!Array.isArray(list) || list.length === 0) {
				violations.push({
					field: `${at}.user_data.user_identifiers`,
					description: 'At least one user identifier is required.',
					reason: 'REQUIRED_FIELD_MISSING',
				});
			} else {
				if (encoding !== 'HEX' && encoding !== 'BASE64') {
					violations.push({ field: 'encoding', description: 'Encoding is required for UserData uploads.', reason: 'REQUIRED_FIELD_MISSING' });
				}
				if (list.length > MAX_IDENTIFIERS) {
					violations.push({
						field: `${at}.user_data.user_identifiers`,
						description: 'At most 10 user identifiers per event.',
						reason: 'TOO_MANY_USER_IDENTIFIERS',
					});
				}
				list.forEach((identifier, position) => {
					const field = `${at}.user_data.user_identifiers[${position}]`;
					const keys = isRecord(identifier) ? Object.keys(identifier) : [];
					if (keys.length !== 1 || !['emailAddress', 'phoneNumber', 'address'].includes(keys[0])) {
						violations.push({ field, description: 'Exactly one of email_address, phone_number or address must be set.', reason: 'INVALID_FORMAT' });
						return;
					}
					if (keys[0] !== 'address')
						checkHash(
							(identifier as Record<string, unknown>)[keys[0]],
							encoding,
							`${field}.${keys[0] === 'emailAddress' ? 'email_address' : 'phone_number'}`,
							violations,
						);
				});
				identifiers = list.length;
			}
		}
		if (clickIds === 0 && identifiers === 0 && event.adIdentifiers === undefined) {
			violations.push({ field: at, description: 'Events data contains no user identifiers or ad identifiers.', reason: 'NO_IDENTIFIERS_PROVIDED' });
		}
	}

	function ingest(request: RecordedRequest): FakeResponse {
		const denied = checkAuth(request);
		if (denied) return denied;
		ingestRequests.push(request);
		const body = request.body;
		if (!isRecord(body)) return invalid([{ field: '', description: 'Invalid JSON payload received.', reason: 'INVALID_ARGUMENT' }]);
		const violations: Violation[] = [];
		for (const key of Object.keys(body)) {
			if (!BODY_FIELDS.has(key)) violations.push({ field: key, description: `Unknown name "${key}": Cannot find field.`, reason: 'INVALID_ARGUMENT' });
		}
		if (body.validateOnly !== undefined && typeof body.validateOnly !== 'boolean') {
			violations.push({ field: 'validate_only', description: 'Invalid value: expected a boolean.', reason: 'INVALID_ARGUMENT' });
		}
		if (body.encoding !== undefined && !['HEX', 'BASE64', 'ENCODING_UNSPECIFIED'].includes(String(body.encoding))) {
			violations.push({ field: 'encoding', description: `Invalid value "${String(body.encoding)}" for enum Encoding.`, reason: 'INVALID_ENUM_VALUE' });
		}
		checkConsent(body.consent, 'consent', violations);
		const destinations = Array.isArray(body.destinations) ? body.destinations : [];
		if (destinations.length === 0) violations.push({ field: 'destinations', description: 'Required field is missing.', reason: 'REQUIRED_FIELD_MISSING' });
		if (destinations.length > MAX_DESTINATIONS)
			violations.push({ field: 'destinations', description: 'At most 10 destinations.', reason: 'TOO_MANY_DESTINATIONS' });
		const targets: Array<{ accountId: string; loginId?: string; actionId: string }> = [];
		destinations.forEach((destination, index) => {
			const at = `destinations[${index}]`;
			if (!isRecord(destination)) {
				violations.push({ field: at, description: 'Invalid value: expected an object.', reason: 'INVALID_DESTINATION' });
				return;
			}
			for (const key of Object.keys(destination)) {
				if (!DESTINATION_FIELDS.has(key))
					violations.push({ field: `${at}.${key}`, description: `Unknown name "${key}": Cannot find field.`, reason: 'INVALID_ARGUMENT' });
			}
			const operating = checkAccount(destination.operatingAccount, `${at}.operating_account`, violations);
			const login = destination.loginAccount === undefined ? undefined : checkAccount(destination.loginAccount, `${at}.login_account`, violations);
			if (destination.linkedAccount !== undefined) {
				const linked = checkAccount(destination.linkedAccount, `${at}.linked_account`, violations);
				if (linked && login?.type !== 'DATA_PARTNER') {
					violations.push({
						field: `${at}.linked_account`,
						description: 'A linked account is allowed only with a data partner login account.',
						reason: 'LINKED_ACCOUNT_ONLY_ALLOWED_WITH_DATA_PARTNER_LOGIN_ACCOUNT',
					});
				}
			}
			const actionId = destination.productDestinationId;
			if (typeof actionId !== 'string' || !/^\d+$/.test(actionId)) {
				violations.push({ field: `${at}.product_destination_id`, description: 'Conversion action ID is not valid.', reason: 'INVALID_CONVERSION_ACTION_ID' });
			} else if (operating) targets.push({ accountId: operating.id, loginId: login?.id, actionId });
		});
		const events = Array.isArray(body.events) ? body.events : [];
		if (events.length === 0) violations.push({ field: 'events', description: 'Required field is missing.', reason: 'REQUIRED_FIELD_MISSING' });
		if (events.length > MAX_EVENTS) violations.push({ field: 'events', description: 'At most 2000 events per request.', reason: 'TOO_MANY_EVENTS' });
		else events.forEach((event, index) => checkEvent(event, index, body.encoding, violations));
		if (violations.length > 0) return invalid(violations);
		for (const target of targets) {
			if (!reaches(target.accountId, target.loginId)) {
				return rpcError(403, 'PERMISSION_DENIED', `The caller does not have permission to access account ${target.accountId}.`, 'PERMISSION_DENIED');
			}
		}
		if (body.validateOnly === true) return { status: 200, body: {} };

		requestCounter += 1;
		const requestId = `fake-dm-request-${requestCounter}`;
		const perDestination = targets.map((target) => {
			const errorCounts = new Map<string, number>();
			for (const raw of events as Array<Record<string, unknown>>) {
				const consent = (raw.consent ?? body.consent) as Record<string, string> | undefined;
				const failure =
					consent?.adUserData === 'CONSENT_DENIED'
						? 'PROCESSING_ERROR_REASON_DENIED_CONSENT'
						: consentRequired.has(target.accountId) && !consent?.adUserData
							? 'PROCESSING_ERROR_REASON_UNKNOWN_CONSENT'
							: undefined;
				if (failure) {
					errorCounts.set(failure, (errorCounts.get(failure) ?? 0) + 1);
					continue;
				}
				const transactionId = typeof raw.transactionId === 'string' ? raw.transactionId : undefined;
				const existing = transactionId
					? recorded.find(
							(entry) => entry.transactionId === transactionId && entry.conversionActionId === target.actionId && entry.operatingAccountId === target.accountId,
						)
					: undefined;
				if (existing) {
					// An adjustment: the value and currency replace the recorded ones; user data only fills what was missing.
					if (typeof raw.conversionValue === 'number') {
						existing.conversionValue = raw.conversionValue;
						existing.restatedTo.push(raw.conversionValue);
					}
					if (typeof raw.currency === 'string') existing.currency = raw.currency;
					continue;
				}
				const userData = raw.userData as { userIdentifiers?: Array<Record<string, string>> } | undefined;
				recorded.push({
					operatingAccountId: target.accountId,
					conversionActionId: target.actionId,
					...(transactionId ? { transactionId } : {}),
					eventTimestamp: String(raw.eventTimestamp),
					...(raw.adIdentifiers ? { adIdentifiers: raw.adIdentifiers as Record<string, string> } : {}),
					...(userData?.userIdentifiers ? { userIdentifiers: userData.userIdentifiers } : {}),
					...(typeof raw.conversionValue === 'number' ? { conversionValue: raw.conversionValue } : {}),
					...(typeof raw.currency === 'string' ? { currency: raw.currency } : {}),
					...(consent ? { consent } : {}),
					restatedTo: [],
				});
			}
			const failed = [...errorCounts.values()].reduce((sum, count) => sum + count, 0);
			return {
				destination: destinations[targets.indexOf(target)],
				requestStatus: failed === 0 ? 'SUCCESS' : failed === events.length ? 'FAILED' : 'PARTIAL_SUCCESS',
				...(failed > 0 ? { errorInfo: { errorCounts: [...errorCounts].map(([reason, recordCount]) => ({ recordCount: String(recordCount), reason })) } } : {}),
				eventsIngestionStatus: { recordCount: String(events.length) },
			};
		});
		statuses.set(requestId, { requestStatusPerDestination: perDestination });
		return { status: 200, body: { requestId } };
	}

	function requestStatus(request: RecordedRequest): FakeResponse {
		const denied = checkAuth(request);
		if (denied) return denied;
		const status = statuses.get(request.query.requestId ?? '');
		if (!status) {
			return invalid([
				{ field: 'request_id', description: 'The request ID used to retrieve the status of a request is not valid.', reason: 'INVALID_REQUEST_ID' },
			]);
		}
		return { status: 200, body: status };
	}

	function userLists(request: RecordedRequest, accountId: string): FakeResponse {
		const denied = checkAuth(request);
		if (denied) return denied;
		if (!reaches(accountId, undefined)) {
			return rpcError(403, 'PERMISSION_DENIED', `The caller does not have permission to access account ${accountId}.`, 'PERMISSION_DENIED');
		}
		return { status: 200, body: { userLists: [] } };
	}

	function token(request: RecordedRequest): FakeResponse {
		const form = typeof request.body === 'string' ? Object.fromEntries(new URLSearchParams(request.body)) : ((request.body ?? {}) as Record<string, string>);
		if (form.grant_type !== 'refresh_token' || form.refresh_token !== refreshToken) {
			return { status: 400, body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' } };
		}
		const issued = `fake-data-manager-issued-${tokens.size}`;
		tokens.add(issued);
		return { status: 200, body: { access_token: issued, expires_in: 3599, scope: 'https://www.googleapis.com/auth/datamanager', token_type: 'Bearer' } };
	}

	const fake = await startJsonFake((request) => {
		if (request.method === 'POST' && request.path === '/token') return token(request);
		if (request.method === 'POST' && request.path === '/v1/events:ingest') {
			const fault = faults.shift();
			if (fault === 429) return rpcError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded.', 'RESOURCE_EXHAUSTED');
			if (fault) return rpcError(fault, fault === 500 ? 'INTERNAL' : 'UNAVAILABLE', 'The service is currently unavailable.', 'INTERNAL_ERROR');
			return ingest(request);
		}
		if (request.method === 'GET' && request.path === '/v1/requestStatus:retrieve') return requestStatus(request);
		const lists = /^\/v1\/accountTypes\/GOOGLE_ADS\/accounts\/(\d+)\/userLists$/.exec(request.path);
		if (request.method === 'GET' && lists) return userLists(request, lists[1]);
		return { status: 404, body: { error: { code: 404, message: `The requested URL ${request.path} was not found on this server.`, status: 'NOT_FOUND' } } };
	});
	return {
		...fake,
		recorded,
		ingests: () => [...ingestRequests],
		failNext: (count, status) => {
			faults = [...faults, ...Array.from({ length: count }, () => status)];
		},
		tokenUrl: `${fake.url}/token`,
	};
}
