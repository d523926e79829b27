import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

/**
 * Where an item that failed goes, from the node's "On Error" setting: stop the workflow, continue on
 * the regular output(s), or continue on the Error output n8n appends to the node.
 */
export type FailedItemRoute = 'stop' | 'regularOutput' | 'errorOutput';

export function failedItemRoute(context: IExecuteFunctions): FailedItemRoute {
	if (!context.continueOnFail()) return 'stop';
	return context.getNode().onError === 'continueErrorOutput' ? 'errorOutput' : 'regularOutput';
}

/**
 * An error item in n8n's own shape. Under "Continue (using error output)" n8n's engine moves an item
 * to the Error output only when its JSON holds nothing but `error`, `message` and `details` (it adds
 * the input item's fields there), so nothing else may be added here.
 */
export function errorItem(message: string, itemIndex: number, details?: IDataObject): INodeExecutionData {
	return { json: { error: message, ...(details ? { details } : {}) }, pairedItem: { item: itemIndex } };
}
