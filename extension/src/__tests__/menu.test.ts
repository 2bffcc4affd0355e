import { describe, expect, it } from 'vitest';
import { MENU_ID, resultPathFor } from '@ext/background/menu';
import { sourceFromQuery } from '@ext/lib/image-source';

const tab = { id: 7, index: 2 } as chrome.tabs.Tab;

function click(info: Partial<chrome.contextMenus.OnClickData>): chrome.contextMenus.OnClickData {
  return { menuItemId: MENU_ID, editable: false, pageUrl: 'https://news.example.org/story', ...info };
}

describe('the context menu entry', () => {
  it('opens the result page for the picture the page shows (for srcset, the candidate the browser chose)', () => {
    // An <img srcset="a-400.jpg 400w, a-1600.jpg 1600w"> on a wide screen: the browser gives the chosen one as srcUrl.
    const path = resultPathFor(
      click({ srcUrl: 'https://cdn.example.org/a-1600.jpg', linkUrl: 'https://news.example.org/gallery', mediaType: 'image' }),
      tab,
    );
    expect(path).toMatch(/^result\.html\?/);
    expect(sourceFromQuery(path!.slice('result.html'.length))).toEqual({
      kind: 'web',
      url: new URL('https://cdn.example.org/a-1600.jpg'),
    });
  });

  it('names the tab and frame of a blob: picture', () => {
    const path = resultPathFor(click({ srcUrl: 'blob:https://app.example.org/42', frameId: 5 }), tab);
    expect(sourceFromQuery(path!.slice('result.html'.length))).toMatchObject({ kind: 'blob', tabId: 7, frameId: 5 });
  });

  it('does nothing for another entry or without a picture', () => {
    expect(resultPathFor(click({ menuItemId: 'other', srcUrl: 'https://a.example/b.png' }), tab)).toBeNull();
    expect(resultPathFor(click({}), tab)).toBeNull();
  });
});
