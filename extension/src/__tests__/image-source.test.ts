import { describe, expect, it } from 'vitest';
import {
  describeSource,
  fileNameFor,
  hostPattern,
  isPublicAddress,
  resultPageQuery,
  sourceFromQuery,
  type ImageSource,
} from '@ext/lib/image-source';

const web = (url: string): ImageSource => ({ kind: 'web', url: new URL(url) });

describe('result.html?src=…', () => {
  it('carries any picture address through the query, however odd its characters', () => {
    const src = 'https://cdn.example.org/img/a b,c.jpg?w=800&h=600#frag';
    const source = sourceFromQuery(resultPageQuery(src));
    expect(source).toEqual({ kind: 'web', url: new URL(src) });
  });

  it('reads http, https, data: and blob: pictures', () => {
    expect(sourceFromQuery('?src=http%3A%2F%2F127.0.0.1%3A9000%2Fa.png')).toMatchObject({ kind: 'web' });
    const data = 'data:image/png;base64,iVBORw0KGgo=';
    expect(sourceFromQuery(resultPageQuery(data))).toEqual({ kind: 'data', url: data });
    const blob = 'blob:https://example.org/1b4e28ba-2fa1-11d2-883f-0016d3cca427';
    expect(sourceFromQuery(resultPageQuery(blob, { tabId: 12, frameId: 3 }))).toEqual({
      kind: 'blob',
      url: blob,
      tabId: 12,
      frameId: 3,
    });
  });

  it('names the tab and frame only for blob: pictures, which live in their page', () => {
    expect(resultPageQuery('https://example.org/a.jpg', { tabId: 1, frameId: 0 })).toBe(
      '?src=https%3A%2F%2Fexample.org%2Fa.jpg',
    );
    expect(sourceFromQuery(resultPageQuery('blob:https://example.org/x'))).toMatchObject({ tabId: null, frameId: 0 });
  });

  it('refuses what is not a picture’s address', () => {
    expect(sourceFromQuery('')).toEqual({ kind: 'missing' });
    expect(sourceFromQuery('?src=')).toEqual({ kind: 'missing' });
    expect(sourceFromQuery(`?src=${encodeURIComponent('file:///home/me/a.jpg')}`)).toEqual({ kind: 'unsupported', scheme: 'file' });
    expect(sourceFromQuery(`?src=${encodeURIComponent('javascript:alert(1)')}`)).toEqual({
      kind: 'unsupported',
      scheme: 'javascript',
    });
    expect(sourceFromQuery(`?src=${encodeURIComponent('http://')}`)).toEqual({ kind: 'unsupported', scheme: 'http' });
  });
});

describe('file names', () => {
  it('takes the last part of the path, decoded', () => {
    expect(fileNameFor(web('https://example.org/photos/Sunset%20at%20sea.jpg?w=800'), 'image/jpeg')).toBe('Sunset at sea.jpg');
  });

  it('adds an extension from the type where the path has none, and names data: and blob: pictures', () => {
    expect(fileNameFor(web('https://example.org/render/12345'), 'image/webp')).toBe('12345.webp');
    expect(fileNameFor(web('https://example.org/'), 'image/png')).toBe('image.png');
    expect(fileNameFor({ kind: 'data', url: 'data:image/gif;base64,R0lG' }, 'image/gif')).toBe('image.gif');
    expect(fileNameFor({ kind: 'data', url: 'data:,' }, '')).toBe('image');
  });

  it('keeps no path separators or control characters', () => {
    expect(fileNameFor(web('https://example.org/a%2F..%2Fb%0A.png'), 'image/png')).toBe('a..b.png');
  });

  it('says where a picture comes from', () => {
    expect(describeSource(web('https://example.org:8443/a/b.jpg?token=secret'))).toBe('A picture from example.org:8443');
    expect(describeSource({ kind: 'data', url: 'data:,' })).toBe('A picture written into the page (data: address)');
  });
});

describe('host access', () => {
  it('asks for a host on any port (Firefox’s match patterns name no port)', () => {
    expect(hostPattern('http://127.0.0.1:8000/api')).toBe('http://127.0.0.1/*');
    expect(hostPattern('https://detector.example.org/app')).toBe('https://detector.example.org/*');
    expect(hostPattern('http://[::1]:8080/')).toBe('http://[::1]/*');
  });

  it('tells public addresses, which a search service can fetch, from this machine’s and private networks’', () => {
    for (const url of ['https://example.org/a.jpg', 'http://93.184.215.14/a.jpg', 'https://[2606:2800::1]/a.jpg']) {
      expect(isPublicAddress(new URL(url))).toBe(true);
    }
    for (const url of [
      'http://127.0.0.1:9000/a.jpg',
      'http://localhost/a.jpg',
      'http://192.168.1.20/a.jpg',
      'http://10.0.0.1/a.jpg',
      'http://172.20.1.1/a.jpg',
      'http://nas.local/a.jpg',
      'http://[::1]/a.jpg',
      'http://intranet/a.jpg',
    ]) {
      expect(isPublicAddress(new URL(url))).toBe(false);
    }
  });
});
