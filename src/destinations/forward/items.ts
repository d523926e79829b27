/**
 * What an incoming item is for a destination: a Conversion Funnel item, a plain conversion (a Postback
 * Trigger's, which needs an event name) or a Click Tracker click. Anything else is refused with the reasons.
 */
import { conversionSchema } from '../../model';
import type { z } from '../../model/zod';
import { given } from '../definition';
import type { ForwardableClick, ForwardableConversion, ForwardableEvent } from '../types';
import { ItemError } from './item-error';

/** The first five problems, then how many more: enough to find the wrong field without flooding the message. */
export function describeIssues(issues: Array<{ path: Array<string | number>; message: string }>): string {
	const listed = issues
		.slice(0, 5)
		.map((issue) => `${issue.path.join('.') || '(item)'}: ${issue.message}`)
		.join('; ');
	return issues.length > 5 ? `${listed}; and ${issues.length - 5} more` : listed;
}

/** A Click Tracker item: a click id and time, and no transaction (conversions always carry the key). */
export function isClickItem(json: Record<string, unknown>): boolean {
	return typeof json.clickId === 'string' && typeof json.clickedAt === 'string' && !('transactionId' in json);
}

/**
 * The item as a destination takes it. Keys other nodes added on the way (a previous destination's `forward`,
 * a Set node's fields) are dropped. `funnelItem` is the Conversion Funnel's item schema (src/funnel sits above
 * the destinations, so it is passed in); a plain conversion takes its event name from `eventNameOverride` first.
 */
export function readForwardableEvent(
	json: Record<string, unknown>,
	itemIndex: number,
	funnelItem: z.AnyZodObject,
	eventNameOverride?: string,
): ForwardableEvent {
	if (isClickItem(json)) return { ...(json as unknown as ForwardableClick) };
	const funnel = funnelItem.strip().safeParse(json);
	if (funnel.success) return { ...(funnel.data as unknown as ForwardableConversion) };
	const plain = conversionSchema.strip().safeParse(json);
	if (plain.success) {
		const eventName = given(eventNameOverride) ?? plain.data.eventName;
		if (!eventName) {
			throw new ItemError(
				`Item ${itemIndex} is a conversion without an event name`,
				itemIndex,
				'Send it through the Conversion Funnel first, or set Override Fields → Event Name.',
			);
		}
		return { ...plain.data, eventName } as ForwardableConversion;
	}
	// An item with a route meant to be a funnel item: its problems say more than the plain conversion's.
	const issues = 'route' in json ? funnel.error.issues : plain.error.issues;
	throw new ItemError(
		`Item ${itemIndex} is neither a conversion nor a Click Tracker click: ${describeIssues(issues)}`,
		itemIndex,
		'Connect an output of the Conversion Funnel (or of a Click Tracker), or pass items of the same shape.',
	);
}
