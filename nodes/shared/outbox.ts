import type { IExecuteFunctions } from 'n8n-workflow';
import { type RedeliveryPolicy, redeliveryPolicyWithGrace } from '../../src/destinations/redelivery';
import type { OutboxStore } from '../../src/store';
import { scopedOutbox } from '../../src/destinations/outbox-scope';
import { storeFor } from './store';

/** The scope of this workflow's outbox entries: its id (an unsaved workflow run by hand has none yet). */
export function outboxScope(context: { getWorkflow(): { id?: string } }): string {
	return String(context.getWorkflow().id ?? '').trim() || 'unsaved';
}

/**
 * The redelivery outbox of a destination node, seen from its workflow (src/destinations/outbox-scope.ts): its
 * conversion log's store, when "Record in Conversion Log" is on
 * (absent parameter: off, no outbox). Never throws: a store that cannot be opened is `error`, noted on the
 * conversion items, and the send goes on without an outbox, as the conversion log does.
 */
export async function destinationOutbox(context: IExecuteFunctions): Promise<{ outbox?: OutboxStore; error?: string }> {
	let enabled: boolean;
	try {
		enabled = context.getNodeParameter('conversionLog', 0, false) as boolean;
	} catch {
		enabled = false;
	}
	if (!enabled) return {};
	try {
		return { outbox: scopedOutbox(await storeFor(context, 0), outboxScope(context)) };
	} catch (error) {
		return { error: `Could not open the tracking store: ${(error as Error).message}` };
	}
}

/**
 * The redelivery policy the destination nodes write and settle outbox entries by. Its grace period (how long an
 * entry written before the first send waits before the Redelivery Trigger may take it, 10 minutes by default)
 * is the operator's setting POSTBACK_REDELIVERY_GRACE_SECONDS, read here only, at each execution; in queue mode
 * set it on the workers, where the destination nodes run.
 */
export function destinationRedeliveryPolicy(): RedeliveryPolicy {
	return redeliveryPolicyWithGrace(process.env.POSTBACK_REDELIVERY_GRACE_SECONDS);
}
