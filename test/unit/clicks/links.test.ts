import fc from 'fast-check';
import { buildOfferRedirect, linkNetworks, networkForHost, setQueryParam, tagLink } from '../../../src/clicks';
import { listNetworks } from '../../../src/networks';
import { SHAREASALE_DEMO_LINK } from '../../fixtures/seed-payloads';

const ID = 'k3j9qv7xw2lmp8rt5yzab4cd6e';

/** AnyTrack's ShareASale article: the ShareASale demo link with its empty afftrack. */
function seedShareasaleLink(): string {
	return SHAREASALE_DEMO_LINK;
}

describe('buildOfferRedirect', () => {
	it("fills the seed's ShareASale link (empty afftrack) in place", () => {
		const link = seedShareasaleLink();
		expect(link).toBe('https://shareasale.com/r.cfm?b=394686&u=1011620&m=41388&urllink=&afftrack=');
		expect(buildOfferRedirect(link, ID, 'afftrack')).toBe(`https://shareasale.com/r.cfm?b=394686&u=1011620&m=41388&urllink=&afftrack=${ID}`);
	});

	it('replaces every --CLICK-ID-- placeholder and leaves the subid parameter alone then', () => {
		const link = 'https://shareasale.com/r.cfm?b=1&u=2&m=3&afftrack=--CLICK-ID--&data=x--CLICK-ID--';
		expect(buildOfferRedirect(link, ID, 'afftrack')).toBe(`https://shareasale.com/r.cfm?b=1&u=2&m=3&afftrack=${ID}&data=x${ID}`);
		expect(buildOfferRedirect('https://t.example/c?sub1=--click-id--', ID)).toBe(`https://t.example/c?sub1=${ID}`);
		expect(buildOfferRedirect('https://t.example/c/--CLICK-ID--/go', ID)).toBe(`https://t.example/c/${ID}/go`);
	});

	it('sets an existing parameter rather than adding a duplicate, and drops later duplicates', () => {
		expect(buildOfferRedirect('https://www.awin1.com/cread.php?awinmid=1&clickref=old&p=x', ID, 'clickref')).toBe(
			`https://www.awin1.com/cread.php?awinmid=1&clickref=${ID}&p=x`,
		);
		expect(buildOfferRedirect('https://a.example/?s=1&sub1=a&t=2&sub1=b', ID, 'sub1')).toBe(`https://a.example/?s=1&sub1=${ID}&t=2`);
		expect(buildOfferRedirect('https://a.example/?sub1', ID, 'sub1')).toBe(`https://a.example/?sub1=${ID}`);
	});

	it('appends the parameter before the fragment, reusing a trailing ? or &', () => {
		expect(buildOfferRedirect('https://a.example/offer', ID, 'sub1')).toBe(`https://a.example/offer?sub1=${ID}`);
		expect(buildOfferRedirect('https://a.example/offer?', ID, 'sub1')).toBe(`https://a.example/offer?sub1=${ID}`);
		expect(buildOfferRedirect('https://a.example/offer?x=1&', ID, 'sub1')).toBe(`https://a.example/offer?x=1&sub1=${ID}`);
		expect(buildOfferRedirect('https://a.example/offer?x=1#top', ID, 'sub1')).toBe(`https://a.example/offer?x=1&sub1=${ID}#top`);
		expect(buildOfferRedirect('https://a.example/offer#a?sub1=x', ID, 'sub1')).toBe(`https://a.example/offer?sub1=${ID}#a?sub1=x`);
	});

	it('keeps every other byte: odd encodings, encoded deep links, empty pairs, semicolons', () => {
		const link = 'https://shareasale.com/r.cfm?b=1&urllink=https%3A%2F%2Fshop.example%2F%3Fafftrack%3Dinner&x=a+b%20c&&y=%7e;z=1';
		expect(buildOfferRedirect(link, ID, 'afftrack')).toBe(`${link}&afftrack=${ID}`);
	});

	it('compares parameter names exactly: Impact subId1 is case-sensitive', () => {
		expect(buildOfferRedirect('https://x.sjv.io/c/1/2/3?subid1=lower', ID, 'subId1')).toBe(`https://x.sjv.io/c/1/2/3?subid1=lower&subId1=${ID}`);
		expect(buildOfferRedirect('https://x.sjv.io/c/1/2/3?sub%49d1=enc', ID, 'subId1')).toBe(`https://x.sjv.io/c/1/2/3?sub%49d1=${ID}`);
	});

	it('refuses to guess when there is neither a placeholder nor a parameter', () => {
		expect(() => buildOfferRedirect('https://a.example/', ID)).toThrow(/subid/);
	});

	it('property: exactly one subid, equal to the click id, every other pair unchanged and in order', () => {
		const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
		const value = fc.stringMatching(/^[A-Za-z0-9%._~+-]{0,12}$/);
		fc.assert(
			fc.property(fc.array(fc.tuple(name, value), { maxLength: 8 }), name, fc.option(fc.stringMatching(/^[a-z0-9]{1,6}$/)), (pairs, subid, hash) => {
				const query = pairs.map(([k, v]) => `${k}=${v}`).join('&');
				const url = `https://offers.example/path${query ? `?${query}` : ''}${hash ? `#${hash}` : ''}`;
				const result = buildOfferRedirect(url, ID, subid);
				const parsed = new URL(result);
				expect(parsed.searchParams.getAll(subid)).toEqual([ID]);
				expect(parsed.hash).toBe(hash ? `#${hash}` : '');
				const others = pairs.filter(([k]) => k !== subid).map(([k, v]) => `${k}=${v}`);
				const kept = parsed.search
					.slice(1)
					.split('&')
					.filter((part) => part.split('=')[0] !== subid && part !== '');
				expect(kept).toEqual(others);
			}),
		);
	});
});

describe('known network domains', () => {
	it.each([
		['shareasale.com', 'shareasale', 'afftrack'],
		['www.shareasale.com', 'shareasale', 'afftrack'],
		['www.awin1.com', 'awin', 'clickref'],
		['brand.sjv.io', 'impact', 'subId1'],
		['vendor.hop.clickbank.net', 'clickbank', 'tid'],
		['www.anrdoezrs.net', 'cj', 'sid'],
		['click.linksynergy.com', 'rakuten', 'u1'],
	])('%s → %s (%s)', (host, id, param) => {
		expect(networkForHost(host)).toMatchObject({ id, subidParam: param });
	});

	it.each(['notshareasale.com', 'shareasale.com.evil.example', 'awin1.co', 'example.com'])('%s is no known network', (host) => {
		expect(networkForHost(host)).toBeUndefined();
	});

	it("uses the presets' own subid parameters", () => {
		for (const preset of listNetworks()) {
			expect(linkNetworks().find((network) => network.id === preset.id)?.subidParam).toBe(preset.subidParam);
		}
	});
});

describe('tagLink (the Tag Link operation)', () => {
	it('detects the network from the domain', () => {
		const result = tagLink('https://shareasale.com/r.cfm?b=1&u=2&m=3', ID);
		expect(result).toEqual({
			ok: true,
			url: `https://shareasale.com/r.cfm?b=1&u=2&m=3&afftrack=${ID}`,
			clickId: ID,
			via: 'parameter',
			subidParam: 'afftrack',
			network: 'shareasale',
		});
	});

	it('uses a chosen network or a typed parameter name', () => {
		expect(tagLink('https://track.brand.example/click?o=1', ID, { network: 'everflow' })).toMatchObject({
			ok: true,
			url: `https://track.brand.example/click?o=1&sub1=${ID}`,
			network: 'everflow',
		});
		expect(tagLink('https://track.brand.example/click?o=1', ID, { subidParam: 'aff_sub2' })).toMatchObject({
			ok: true,
			url: `https://track.brand.example/click?o=1&aff_sub2=${ID}`,
		});
	});

	it('replaces --CLICK-ID-- without needing a network', () => {
		expect(tagLink('https://t.example/?c=--CLICK-ID--', ID)).toMatchObject({ ok: true, url: `https://t.example/?c=${ID}`, via: 'placeholder' });
	});

	it('explains what is missing for a link of no known network', () => {
		const result = tagLink('https://unknown.example/offer', ID);
		expect(result).toMatchObject({ ok: false, error: { code: 'unknown_network', field: 'network' } });
	});

	it('refuses unknown networks, bad parameter names, bad click ids and non-http links', () => {
		expect(tagLink('https://a.example/', ID, { network: 'nope' })).toMatchObject({ ok: false, error: { code: 'unknown_network' } });
		expect(tagLink('https://a.example/', ID, { subidParam: 'a b' })).toMatchObject({ ok: false, error: { code: 'misconfigured', field: 'subidParam' } });
		expect(tagLink('https://a.example/', 'has space', { subidParam: 's' })).toMatchObject({ ok: false, error: { code: 'invalid_click_id' } });
		expect(tagLink('javascript:alert(1)', ID, { subidParam: 's' })).toMatchObject({ ok: false, error: { code: 'unsupported_scheme', field: 'url' } });
		expect(tagLink('/relative', ID, { subidParam: 's' })).toMatchObject({ ok: false, error: { code: 'invalid_url' } });
	});

	it("checks a supplied click id against the network's own rules", () => {
		expect(tagLink('https://shareasale.com/r.cfm?b=1', 'has-dash')).toMatchObject({
			ok: false,
			error: { code: 'invalid_click_id', message: expect.stringContaining('ShareASale') },
		});
		expect(tagLink('https://v.hop.clickbank.net/', 'UPPER')).toMatchObject({ ok: false, error: { code: 'invalid_click_id' } });
		expect(tagLink('https://click.linksynergy.com/deeplink?id=1', 'x'.repeat(73))).toMatchObject({ ok: false, error: { code: 'invalid_click_id' } });
		expect(tagLink('https://shareasale.com/r.cfm?b=1', 'Zojr5qPF3fVk6VlfJbAcGeuHnxkcOst2gr')).toMatchObject({ ok: true });
	});
});
