import { act, screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { ClassifyPanel } from '@/features/classify/components/ClassifyPanel';
import { HANDED_FILE_TYPE, handedFile } from '@/features/classify/handed-file';
import { makePrediction } from '@/testing/mocks/data';
import { server } from '@/testing/mocks/server';
import { liveRegion, renderWithAnnouncer } from '@/testing/render';

const BYTES = new Uint8Array([137, 80, 78, 71, 1, 2, 3, 4]);

function message(data: Record<string, unknown>, init: MessageEventInit = {}): MessageEvent {
  return new MessageEvent('message', {
    data: { type: HANDED_FILE_TYPE, name: 'sunset.png', mimeType: 'image/png', bytes: BYTES.slice().buffer, ...data },
    origin: window.location.origin,
    source: window,
    ...init,
  });
}

/** Records what reaches /api/predict: each file's name, type and bytes. */
function recordUploads() {
  const uploads: Array<{ name: string; type: string; bytes: number[] }> = [];
  server.use(
    http.post('/api/predict', async ({ request }) => {
      const file = (await request.formData()).get('image') as File;
      uploads.push({ name: file.name, type: file.type, bytes: Array.from(new Uint8Array(await file.arrayBuffer())) });
      return HttpResponse.json(makePrediction(0.9, { filename: file.name }));
    }),
  );
  return uploads;
}

describe('a picture handed over by the browser extension', () => {
  it('is checked as a dropped file: the same bytes and name, its card and verdict', async () => {
    const uploads = recordUploads();
    renderWithAnnouncer(<ClassifyPanel />);
    act(() => void window.dispatchEvent(message({})));
    const card = await screen.findByRole('article', { name: 'sunset.png' });
    expect(await within(card).findByText('Real photo')).toBeInTheDocument();
    expect(uploads).toEqual([{ name: 'sunset.png', type: 'image/png', bytes: Array.from(BYTES) }]);
    expect(liveRegion()).toHaveTextContent('sunset.png: Real photo.');
  });

  it('is not lost when it arrives before the panel is shown', async () => {
    const uploads = recordUploads();
    window.dispatchEvent(message({ name: 'early.png' }));
    renderWithAnnouncer(<ClassifyPanel />);
    expect(await within(await screen.findByRole('article', { name: 'early.png' })).findByText('Real photo')).toBeInTheDocument();
    expect(uploads.map((upload) => upload.name)).toEqual(['early.png']);
  });

  it('ignores messages from another window or origin, of another type, or with bad fields', async () => {
    const uploads = recordUploads();
    renderWithAnnouncer(<ClassifyPanel />);
    const other = new MessageChannel().port1;
    const ignored = [
      message({}, { source: other }),
      message({}, { source: null }),
      message({}, { origin: 'https://elsewhere.example' }),
      message({}, { origin: 'null' }),
      message({ type: 'something-else' }),
      message({ name: 42 }),
      message({ name: '' }),
      message({ mimeType: undefined }),
      message({ bytes: Array.from(BYTES) }),
      message({ bytes: 'iVBORw0KGgo=' }),
      message({ bytes: new Blob([BYTES]) }),
      new MessageEvent('message', { data: null, origin: window.location.origin, source: window }),
      new MessageEvent('message', { data: 'real-or-ai/check-file', origin: window.location.origin, source: window }),
    ];
    act(() => {
      for (const event of ignored) window.dispatchEvent(event);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(screen.queryByRole('article')).not.toBeInTheDocument();
    expect(uploads).toEqual([]);
  });
});

describe('handedFile', () => {
  it('takes a file up to the upload limit, and nothing larger', () => {
    const file = handedFile(message({}), window, BYTES.byteLength);
    expect(file).toBeInstanceOf(File);
    expect(file).toMatchObject({ name: 'sunset.png', type: 'image/png', size: BYTES.byteLength });
    expect(handedFile(message({}), window, BYTES.byteLength - 1)).toBeNull();
  });

  it('keeps only an image type: the server reads the bytes whatever the type says', () => {
    expect(handedFile(message({ mimeType: 'text/html' }), window, 1024)?.type).toBe('');
    expect(handedFile(message({ mimeType: '' }), window, 1024)?.type).toBe('');
  });
});
