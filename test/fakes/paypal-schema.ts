/**
 * Our description of the PayPal Payouts (REST v1) fields the fake checks: what each request and answer holds,
 * which fields are required, max lengths, enums and item limits. Written by us from PayPal's published
 * reference (https://developer.paypal.com/docs/api/payments.payouts-batch/v1/); it is not PayPal's document,
 * only the rules the strict fake enforces and the shapes its answers are checked against, in the JSON-schema
 * subset test/fakes/openapi.ts validates. References are local JSON pointers into this object ("#/schemas/…").
 */
import type { JsonSchema, QueryParameter, SchemaDocument } from './openapi';

/**
 * PayPal's free-text fields take one line ("^.*$": a line break does not match "."), between `min` and `max`
 * characters.
 */
const line = (max: number, min = 0): JsonSchema => ({ type: 'string', minLength: min, maxLength: max, pattern: '^.*$' });
/** PayPal's upper-case codes (batch_status, transaction_status, recipient_type, …): one of `values`. */
const code = (values: string[], max = 36): JsonSchema => ({ type: 'string', minLength: 1, maxLength: max, pattern: '^[0-9A-Z_]+$', enum: values });
const timestamp = (min = 0): JsonSchema => ({ type: 'string', format: 'date-time', minLength: min, maxLength: 100 });
const ref = (name: string): JsonSchema => ({ $ref: `#/schemas/${name}` });
const listOf = (name: string, minItems: number): JsonSchema => ({ type: 'array', items: ref(name), minItems, maxItems: 15000 });
const text = (max: number): JsonSchema => ({ type: 'string', maxLength: max });

/** One payout item as PayPal reports it (in a batch and on its own). */
const reportedItem: Record<string, JsonSchema> = {
	payout_item_id: line(30),
	transaction_id: line(30),
	activity_id: line(30),
	transaction_status: ref('transactionStatus'),
	payout_item_fee: ref('money'),
	payout_batch_id: line(30),
	payout_item: ref('itemDetail'),
	currency_conversion: ref('currencyConversion'),
	time_processed: timestamp(),
	errors: ref('error'),
	links: listOf('link', 0),
};

export const PAYPAL_PAYOUTS_SCHEMA: SchemaDocument & { schemas: Record<string, JsonSchema> } = {
	schemas: {
		// --- shared pieces ---
		money: { type: 'object', required: ['currency', 'value'], properties: { currency: { type: 'string' }, value: { type: 'string' } } },
		link: {
			type: 'object',
			required: ['href', 'rel'],
			properties: {
				href: { type: 'string' },
				rel: { type: 'string' },
				method: { type: 'string', enum: ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'CONNECT', 'OPTIONS', 'PATCH'] },
			},
		},
		transactionStatus: code(['SUCCESS', 'FAILED', 'PENDING', 'UNCLAIMED', 'RETURNED', 'ONHOLD', 'BLOCKED', 'REFUNDED', 'REVERSED']),
		batchStatus: code(['DENIED', 'PENDING', 'PROCESSING', 'SUCCESS', 'CANCELED']),
		recipientType: code(['EMAIL', 'PHONE', 'PAYPAL_ID']),
		recipientWallet: code(['PAYPAL', 'VENMO', 'RECIPIENT_SELECTED']),
		purpose: code(['AWARDS', 'PRIZES', 'DONATIONS', 'GOODS', 'SERVICES', 'REBATES', 'CASHBACK', 'DISCOUNTS', 'NON_GOODS_OR_SERVICES'], 40),
		fundingSource: code(['BALANCE']),

		// --- errors (https://developer.paypal.com/api/rest/responses/) ---
		errorDetail: {
			type: 'object',
			required: ['issue'],
			properties: { field: { type: 'string' }, value: { type: 'string' }, location: { type: 'string' }, issue: { type: 'string' } },
		},
		error: {
			type: 'object',
			required: ['name', 'message', 'debug_id'],
			properties: {
				name: { type: 'string' },
				message: { type: 'string' },
				debug_id: { type: 'string' },
				information_link: { type: 'string' },
				details: { type: 'array', items: ref('errorDetail') },
				links: { type: 'array', items: ref('link') },
			},
		},

		// --- POST /v1/payments/payouts: the request (1 to 15,000 items) ---
		createBatchRequest: {
			type: 'object',
			required: ['sender_batch_header', 'items'],
			properties: { sender_batch_header: ref('senderBatchHeader'), items: { type: 'array', minItems: 1, maxItems: 15000, items: ref('requestItem') } },
		},
		senderBatchHeader: {
			type: 'object',
			properties: { sender_batch_id: line(256), recipient_type: line(13), email_subject: line(255), email_message: line(1000), note: line(1000) },
		},
		requestItem: {
			type: 'object',
			required: ['amount', 'receiver'],
			properties: {
				recipient_type: line(13),
				amount: ref('money'),
				note: line(4000),
				receiver: line(127),
				sender_item_id: line(63),
				recipient_wallet: line(36),
				alternate_notification_method: { type: 'object', properties: { phone: ref('phone') } },
				// a language tag such as "en", "fr-CA" or "zh-Hant-TW"
				notification_language: { type: 'string', minLength: 2, maxLength: 10, pattern: '^[a-z]{2}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}))?$' },
				application_context: {
					type: 'object',
					properties: {
						social_feed_privacy: line(15, 1),
						holler_url: { type: 'string', format: 'uri', minLength: 1, maxLength: 1000 },
						logo_url: { type: 'string', format: 'uri', minLength: 0, maxLength: 1000 },
					},
				},
				purpose: ref('purpose'),
			},
		},
		phone: {
			type: 'object',
			required: ['country_code', 'national_number'],
			properties: {
				country_code: { type: 'string', minLength: 1, maxLength: 3, pattern: '^[0-9]{1,3}?$' },
				national_number: { type: 'string', minLength: 1, maxLength: 14, pattern: '^[0-9]{1,14}?$' },
				extension_number: { type: 'string', minLength: 1, maxLength: 15, pattern: '^[0-9]{1,15}?$' },
			},
		},

		// --- the answers ---
		/** The batch header as PayPal echoes it (recipient_type becomes a code). */
		reportedSenderBatchHeader: {
			type: 'object',
			properties: { sender_batch_id: line(256), recipient_type: ref('recipientType'), email_subject: line(255), email_message: line(1000) },
		},
		/** 201 to POST /v1/payments/payouts. */
		createBatchResponse: {
			type: 'object',
			properties: {
				batch_header: {
					type: 'object',
					required: ['batch_status', 'payout_batch_id', 'sender_batch_header'],
					properties: {
						payout_batch_id: line(30),
						batch_status: ref('batchStatus'),
						time_created: timestamp(),
						sender_batch_header: ref('reportedSenderBatchHeader'),
					},
				},
				links: listOf('link', 1),
			},
		},
		/** 200 to GET /v1/payments/payouts/{payout_batch_id}. */
		batch: {
			type: 'object',
			properties: {
				total_items: { type: 'integer', minimum: 0, maximum: 15000 },
				total_pages: { type: 'integer', minimum: 0, maximum: 1000 },
				batch_header: {
					type: 'object',
					required: ['payout_batch_id', 'batch_status', 'sender_batch_header'],
					properties: {
						payout_batch_id: line(30),
						batch_status: ref('batchStatus'),
						time_created: timestamp(),
						time_completed: timestamp(),
						time_closed: timestamp(),
						sender_batch_header: ref('reportedSenderBatchHeader'),
						funding_source: ref('fundingSource'),
						amount: ref('money'),
						fees: ref('money'),
					},
				},
				items: listOf('batchItem', 0),
				links: listOf('link', 0),
			},
		},
		batchItem: { type: 'object', required: ['payout_item_id', 'payout_batch_id', 'payout_item'], properties: reportedItem },
		/** 200 to GET /v1/payments/payouts-item/{payout_item_id} and to its cancel. */
		item: {
			type: 'object',
			required: ['payout_item_id', 'payout_batch_id', 'payout_item'],
			properties: { ...reportedItem, sender_batch_id: line(256), time_processed: timestamp(1) },
		},
		itemDetail: {
			type: 'object',
			required: ['amount', 'receiver'],
			properties: {
				recipient_type: ref('recipientType'),
				amount: ref('money'),
				note: line(4000),
				receiver: line(127),
				sender_item_id: line(63),
				recipient_name: {
					type: 'object',
					properties: {
						prefix: text(140),
						given_name: text(140),
						surname: text(140),
						middle_name: text(140),
						suffix: text(140),
						alternate_full_name: text(300),
						full_name: text(300),
					},
				},
				recipient_wallet: ref('recipientWallet'),
				purpose: ref('purpose'),
			},
		},
		currencyConversion: { type: 'object', properties: { from_amount: ref('money'), to_amount: ref('money'), exchange_rate: line(30) } },
	},
};

/** The query of GET /v1/payments/payouts/{payout_batch_id}: paging and the total flag. */
export const PAYPAL_SHOW_BATCH_QUERY: QueryParameter[] = [
	{ name: 'fields', in: 'query', required: false, schema: line(1000, 1) },
	{ name: 'page', in: 'query', required: false, schema: { type: 'integer', minimum: 0, maximum: 1000 } },
	{ name: 'page_size', in: 'query', required: false, schema: { type: 'integer', minimum: 0, maximum: 1000 } },
	{ name: 'total_required', in: 'query', schema: { type: 'boolean' } },
];
