import type { IExecuteFunctions } from 'n8n-workflow';
import type { OutboxStore } from '../../src/store';
import { storeFor } from './store';

/**
 * The redelivery outbox of a destination node: its conversion log's store, when "Record in Conversion Log" is on
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
		return { outbox: await storeFor(context, 0) };
	} catch (error) {
		return { error: `Could not open the tracking store: ${(error as Error).message}` };
	}
}
