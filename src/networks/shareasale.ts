import { finishConversion } from './conversion';
import { parseBody, pickIgnoringCase, queryFields, withQuery } from './fields';
import type { NetworkPreset } from './types';

/** ShareASale's postback parameters, each named after the `!!macro!!` ShareASale fills (seed 000). */
const SHAREASALE_PARAMS = ['afftrack', 'transtype', 'merchantID', 'orderNumber', 'transID', 'amountOfSale', 'commission', 'transDate'] as const;

export const shareasale: NetworkPreset = {
	id: 'shareasale',
	name: 'ShareASale',
	subidParam: 'afftrack',
	clickIdMacro: '!!afftrack!!',
	setupHint:
		'Send this URL to your ShareASale affiliate manager as the global postback destination. Offer links must carry afftrack=<click id>; short links cannot be tracked. ShareASale sends no currency (USD) and local times without a zone: set the time zone option.',
	postbackUrlTemplate: (baseUrl) =>
		withQuery(
			baseUrl,
			SHAREASALE_PARAMS.map((name) => [name, `!!${name}!!`] as const),
		),
	parse(request, options) {
		const body = parseBody(request);
		if (!body.ok) return { ok: false, error: { code: 'invalid_body', message: `ShareASale postback: ${body.message}.` } };
		// GET puts the values in the query, POST in a form body; a value in both is read from the body.
		const fields = { ...queryFields(request), ...body.fields };
		const get = (name: string) => pickIgnoringCase(fields, [name]);
		return finishConversion(
			{
				clickId: get('afftrack'),
				networkEventType: get('transtype'),
				merchantId: get('merchantID'),
				orderId: get('orderNumber'),
				transactionId: get('transID'),
				amount: get('amountOfSale'),
				commission: get('commission'),
				occurredAt: get('transDate'),
			},
			{ network: 'shareasale', request, options, bodyAsReceived: body.asReceived, clickIdParam: 'afftrack' },
		);
	},
};
