import type { INodeProperties } from 'n8n-workflow';
import { defaultCountryProperty, overrideFieldsProperty, valueFromProperty } from '../shared/destination-node';

export const redditConversionsProperties: INodeProperties[] = [
	{
		displayName:
			'Connect the Purchase, Lead or Other Event output of a Conversion Funnel: nothing to map. Reversals and Click Tracker clicks are not sent (Reddit takes conversions only). Each item leaves on Sent or Failed with what Reddit said under "forward".',
		name: 'notice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Pixel ID',
		name: 'pixelId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 't2_abc123',
		description: 'The pixel in Reddit Events Manager that the conversions belong to',
	},
	{
		displayName: 'Test ID',
		name: 'testId',
		type: 'string',
		default: '',
		placeholder: 't2_abc123',
		description:
			'From Events Manager → Event Testing. While set, the events only show up under Event Testing and do not count for campaigns. Leave empty in production.',
	},
	valueFromProperty,
	defaultCountryProperty('Reddit', 'them in E.164, with +'),
	overrideFieldsProperty({
		platformName: 'Reddit',
		eventNameExample: 'PURCHASE, LEAD, SIGN_UP… or a custom name; other names are sent as custom events, case-sensitive',
		clickId: {
			displayName: 'Reddit Click ID',
			description: 'The rdt_cid of the ad click, sent as is',
		},
		timeUnit: 'Unix milliseconds',
	}),
];
