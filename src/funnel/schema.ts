/**
 * The shape of a Conversion Funnel output item, for the nodes downstream of the funnel: the canonical
 * conversion (src/model) plus the funnel's decision. Strict like the conversion itself.
 */
import { conversionSchema, conversionStatus, decimalString } from '../model';
import { z } from '../model/zod';
import { destinations } from './events';
import { platformClickFields } from '../destinations/click-fields';
import { funnelOutputs } from './funnel';

const text = z.string().min(1);

/** The matched click on a funnel item: its id and time, every platform's click fields (their definitions'), the visit. */
export const conversionClickSchema = z
	.object({
		clickId: text,
		...Object.fromEntries(platformClickFields().map(({ field }) => [field, text])),
		ip: text,
		userAgent: text,
		landingUrl: text,
		clickedAt: text,
	})
	.partial()
	.required({ clickId: true, clickedAt: true })
	.strict();

export const attributionSchema = z
	.object({
		method: z.enum(['click', 'first-click', 'coupon', 'lifetime', 'ip-user-agent', 'none']),
		clickId: text.optional(),
		lastClickId: text.optional(),
		affiliateId: text.optional(),
		affiliateSource: z.enum(['click', 'coupon', 'lifetime', 'network']).optional(),
		couponCode: text.optional(),
		window: z.enum(['1d', '7d', '30d', 'unlimited']),
		model: z.enum(['lastClick', 'firstClick']),
		reason: text.optional(),
	})
	.strict();

const conversionKeySchema = z.object({ network: text, transactionId: text, eventName: text }).strict();

const ledgerLineSchema = z
	.object({
		id: text,
		kind: z.enum(['commission', 'reversal', 'adjustment', 'payout']),
		amount: decimalString,
		currency: text,
		status: conversionStatus,
	})
	.strict();

export const funnelItemSchema = conversionSchema
	.extend({
		eventName: text,
		route: z.enum(funnelOutputs as [string, ...string[]]),
		conversionId: text.optional(),
		click: conversionClickSchema.optional(),
		attribution: attributionSchema.optional(),
		dedup: z
			.object({
				status: z.enum(['first', 'duplicate', 'status-update', 'not-deduplicated', 'refused']),
				key: conversionKeySchema.optional(),
				basis: z.enum(['transaction_id', 'derived']).optional(),
				derivedFrom: z.array(text).optional(),
				reason: text.optional(),
				inFlightUntil: text.optional(),
			})
			.strict(),
		destinationEvents: z
			.object(Object.fromEntries(destinations.map((name) => [name, text.optional()])) as Record<(typeof destinations)[number], z.ZodOptional<z.ZodString>>)
			.strict(),
		ledger: z
			.object({
				affiliateId: text.optional(),
				entries: z.array(ledgerLineSchema),
				reason: text.optional(),
				code: z.enum(['untrusted_affiliate', 'held_for_review', 'amount_precision']).optional(),
				ruleIndex: z.number().int().nonnegative().optional(),
			})
			.strict(),
		statusChange: z.object({ from: conversionStatus, to: conversionStatus }).strict().optional(),
		reversalOf: z
			.object({
				conversionId: text,
				eventName: text,
				status: conversionStatus,
				occurredAt: text,
				amount: decimalString.optional(),
				commission: decimalString.optional(),
			})
			.strict()
			.nullable()
			.optional(),
		sequence: z.number().int().positive().optional(),
		amountAdjustments: z
			.array(
				z
					.object({
						field: z.enum(['amount', 'commission']),
						received: decimalString,
						recorded: decimalString,
						rule: z.enum(['roundHalfEven', 'roundHalfUp', 'truncate']),
					})
					.strict(),
			)
			.optional(),
		refused: z
			.object({ code: z.literal('amount_precision'), field: z.enum(['amount', 'commission']), reason: text })
			.strict()
			.optional(),
	})
	.strict();
