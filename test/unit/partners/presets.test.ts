import { PARTNER_PRESETS, PartnerPostbackError, buildPartnerPostback, getPartnerPreset } from '../../../src/partners';
import { ASPIRE_PARTNER_ID_POSTBACK_EXAMPLE, ASPIRE_PARTNER_ID_POSTBACK_TEMPLATE } from '../../fixtures/seed-payloads';
import { funnelLikeItem } from './helpers';

const codeOf = (fn: () => unknown): string | undefined => {
	try {
		fn();
	} catch (error) {
		return (error as PartnerPostbackError).code;
	}
	return undefined;
};

describe('the preset registry', () => {
	it('has one module per partner, each with a template, method, required values and a description', () => {
		expect(PARTNER_PRESETS.map((preset) => preset.id)).toEqual(['aspire', 'pap', 'everflow', 'voluum', 'keitaro', 'custom']);
		for (const preset of PARTNER_PRESETS) {
			expect(getPartnerPreset(preset.id)).toBe(preset);
			expect(preset.template).toMatch(/^https:\/\//);
			expect(['GET', 'POST_FORM', 'POST_JSON']).toContain(preset.method);
			expect(preset.description.length).toBeGreaterThan(40);
			expect(Array.isArray(preset.required)).toBe(true);
		}
	});
});

describe('Aspire / TUNE (Aspire: "How to Implement Server Postback with Partner ID")', () => {
	const templateUrl = ASPIRE_PARTNER_ID_POSTBACK_TEMPLATE;
	const finalUrl = ASPIRE_PARTNER_ID_POSTBACK_EXAMPLE;

	it('the article’s postback URL, pasted as it is, gets its placeholders filled', () => {
		expect(templateUrl).toBe('https://aspireiq.go2cloud.org/aff_lsr?offer_id=1&aff_id=AFFILIATE_ID&amount=AMOUNT&adv_unique1=ORDER_ID');
		const built = buildPartnerPostback('aspire', funnelLikeItem({ affiliateId: '123456', amount: '25', orderId: '547839', clickId: null, click: undefined }), {
			template: templateUrl,
		});
		// The article's own example result: same values, in its order. (It spells the partner parameter
		// affiliate_id where its template says aff_id; the template's name is what we send.)
		expect(finalUrl).toBe('https://aspireiq.go2cloud.org/aff_lsr?offer_id=1&affiliate_id=123456&amount=25&adv_unique1=547839');
		expect(built.url).toBe(finalUrl.replace('affiliate_id=', 'aff_id='));
		expect(built.emptyMacros).toEqual([]);
	});

	it('the default template: partner-id protocol without a click id, transaction-id protocol with one', () => {
		const partnerId = buildPartnerPostback(
			'aspire',
			funnelLikeItem({ affiliateId: '123456', offerId: '1', amount: '25', orderId: '547839', clickId: null, click: undefined }),
		);
		expect(partnerId.url).toBe('https://aspireiq.go2cloud.org/aff_lsr?offer_id=1&aff_id=123456&amount=25&adv_unique1=547839');
		expect(partnerId.omittedParameters).toEqual(['transaction_id']);
		expect(partnerId.emptyMacros).toEqual(['click_id']);

		const transactionId = buildPartnerPostback(
			'aspire',
			funnelLikeItem({ clickId: '102a3f0b1c', affiliateId: null, offerId: null, amount: '25', orderId: '547839' }),
		);
		expect(transactionId.url).toBe('https://aspireiq.go2cloud.org/aff_lsr?amount=25&adv_unique1=547839&transaction_id=102a3f0b1c');
	});

	it('needs a partner id or a transaction id', () => {
		expect(codeOf(() => buildPartnerPostback('aspire', funnelLikeItem({ clickId: null, click: undefined, affiliateId: null })))).toBe('missing_required');
	});
});

describe('Post Affiliate Pro sale tracking', () => {
	it('sends the sale with the visitor id, as Post Affiliate Pro describes the tracking request', () => {
		// Post Affiliate Pro's integration guide ("How tracking works"): a sale is reported by a tracking request
		// that carries the visitor id its click tracking stored.
		const built = buildPartnerPostback('pap', funnelLikeItem({ clickId: 'b910a79d013c8856a01393511GPTWP0s', affiliateId: null }), {
			template: getPartnerPreset('pap')!.template.replace('YOUR-ACCOUNT', 'acme'),
		});
		expect(built.url).toBe(
			'https://acme.postaffiliatepro.com/scripts/sale.php?AccountId=default1&visitorId=b910a79d013c8856a01393511GPTWP0s&TotalCost=79.5&OrderID=ORD-77&ProductID=17&Currency=USD&PStatus=A',
		);
		expect(built.omittedParameters).toEqual(['AffiliateID']);
	});

	it('PStatus uses PAP’s letters; without a visitor id the affiliate id must be given', () => {
		const template = 'https://acme.postaffiliatepro.com/scripts/sale.php?visitorId={click_id}&AffiliateID={affiliate_id}&PStatus={status}';
		expect(new URL(buildPartnerPostback('pap', funnelLikeItem({ status: 'pending' }), { template }).url).searchParams.get('PStatus')).toBe('P');
		expect(new URL(buildPartnerPostback('pap', funnelLikeItem({ status: 'rejected' }), { template }).url).searchParams.get('PStatus')).toBe('D');
		expect(codeOf(() => buildPartnerPostback('pap', funnelLikeItem({ clickId: null, click: undefined, affiliateId: null }), { template }))).toBe(
			'missing_required',
		);
		expect(codeOf(() => buildPartnerPostback('pap', funnelLikeItem()))).toBe('template_not_configured');
	});
});

describe('Everflow', () => {
	const template = getPartnerPreset('everflow')!.template.replace('YOUR-TRACKING-DOMAIN', 'www.trk.example').replace('NETWORK_ID', '123');

	it('sends Everflow’s transaction id (our click id), amount and order id; adv_event_id only when mapped', () => {
		const built = buildPartnerPostback('everflow', funnelLikeItem({ clickId: 'ef0a1b2c3d' }), { template });
		expect(built.url).toBe('https://www.trk.example/?nid=123&transaction_id=ef0a1b2c3d&amount=79.5&order_id=ORD-77');
		expect(built.emptyMacros).toEqual(['adv_event_id']);
		const event = buildPartnerPostback('everflow', funnelLikeItem({ clickId: 'ef0a1b2c3d' }), { template, values: { adv_event_id: 7 } });
		expect(new URL(event.url).searchParams.get('adv_event_id')).toBe('7');
	});

	it('needs the transaction id, and redacts a verification token', () => {
		expect(codeOf(() => buildPartnerPostback('everflow', funnelLikeItem({ clickId: null, click: undefined }), { template }))).toBe('missing_required');
		const built = buildPartnerPostback('everflow', funnelLikeItem(), {
			template: `${template}&verification_token={verification_token}`,
			values: { verification_token: 'vt-secret-1' },
		});
		expect(built.url).toContain('verification_token=vt-secret-1');
		expect(built.redactedUrl).toContain('verification_token=REDACTED');
		expect(built.redactedUrl).not.toContain('vt-secret-1');
	});
});

describe('Voluum', () => {
	it('fills cid, payout and txid; Voluum’s own REPLACE / OPTIONAL placeholders work', () => {
		const ours = buildPartnerPostback('voluum', funnelLikeItem(), {
			template: 'https://trk.example/postback?cid={click_id}&payout={commission}&txid={transaction_id}',
		});
		expect(ours.url).toBe('https://trk.example/postback?cid=clk_01hx8k2m3n&payout=12.25&txid=TX-1001');
		const native = buildPartnerPostback('voluum', funnelLikeItem(), { template: 'https://trk.example/postback?cid=REPLACE&payout=OPTIONAL&txid=OPTIONAL' });
		expect(native.url).toBe(ours.url);
		const tokens = buildPartnerPostback('voluum', funnelLikeItem(), { template: 'https://trk.example/postback?cid={clickid}&payout={payout}&txid={txid}' });
		expect(tokens.url).toBe(ours.url);
		expect(
			codeOf(() =>
				buildPartnerPostback('voluum', funnelLikeItem({ clickId: null, click: undefined }), { template: 'https://trk.example/postback?cid=REPLACE' }),
			),
		).toBe('missing_required');
	});
});

describe('Keitaro', () => {
	const template = getPartnerPreset('keitaro')!.template.replace('YOUR-KEITARO-DOMAIN', 'k.example');

	it('subid, status in Keitaro’s words, payout, tid; the postback key in the path is redacted', () => {
		const built = buildPartnerPostback('keitaro', funnelLikeItem(), { template, values: { postback_key: 'a1b2c3d4' } });
		expect(built.url).toBe('https://k.example/a1b2c3d4/postback?subid=clk_01hx8k2m3n&status=sale&payout=12.25&tid=TX-1001&currency=USD');
		expect(built.redactedUrl).toBe('https://k.example/REDACTED/postback?subid=clk_01hx8k2m3n&status=sale&payout=12.25&tid=TX-1001&currency=USD');
		const lead = buildPartnerPostback('keitaro', funnelLikeItem({ status: 'pending' }), {
			template: 'https://k.example/key/postback?subid={subid}&status={status}&payout={payout}',
		});
		expect(lead.url).toBe('https://k.example/key/postback?subid=clk_01hx8k2m3n&status=lead&payout=12.25');
		expect(
			new URL(
				buildPartnerPostback('keitaro', funnelLikeItem({ status: 'reversed' }), { template: 'https://k.example/k/postback?subid={subid}&status={status}' }).url,
			).searchParams.get('status'),
		).toBe('rejected');
	});
});
