import { fireEvent, screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { ClassifyPanel } from '@/features/classify/components/ClassifyPanel';
import { MAX_PARALLEL_UPLOADS } from '@/features/classify/hooks/useClassifier';
import { hugeFile, imageFile, textFile } from '@/testing/files';
import { errorBody, makeAssessment, makePrediction, photoAssessment, signedAiPrediction } from '@/testing/mocks/data';
import { server } from '@/testing/mocks/server';
import { deferred, fileInput, liveRegion, renderWithAnnouncer } from '@/testing/render';

function card(name: string) {
  return screen.getByRole('article', { name });
}

async function findCard(name: string) {
  return screen.findByRole('article', { name });
}

describe('classifying one image', () => {
  it('shows a preview and progress at once, then the verdict, bar and confidence', async () => {
    const gate = deferred();
    server.use(
      http.post('/api/predict', async () => {
        await gate.promise;
        return HttpResponse.json(makePrediction(0.973, { filename: 'photo.png' }));
      }),
    );
    const onResult = vi.fn();
    const { user } = renderWithAnnouncer(<ClassifyPanel onResult={onResult} />);

    await user.upload(fileInput(), imageFile('photo.png'));

    const photo = card('photo.png');
    expect(within(photo).getByRole('img', { name: 'Preview of photo.png' })).toHaveAttribute(
      'src',
      expect.stringMatching(/^blob:/),
    );
    expect(await within(photo).findByRole('progressbar', { name: 'Checking photo.png' })).toBeInTheDocument();
    expect(within(photo).getByText('Uploading and analysing…')).toBeInTheDocument();

    gate.resolve();

    expect(await within(photo).findByText('Real photo')).toBeInTheDocument();
    expect(within(photo).queryByRole('progressbar')).not.toBeInTheDocument();
    expect(within(photo).getByText('Very confident')).toBeInTheDocument();
    expect(within(photo).getByText('The model is very confident (97%) that this is a real photo.')).toBeInTheDocument();
    const meter = within(photo).getByRole('meter', { name: 'Probability that the image is a real photo' });
    expect(meter).toHaveAttribute('aria-valuenow', '0.973');
    expect(meter).toHaveAttribute('aria-valuetext', '97% chance of a real photo; the threshold is 50%');
    expect(within(photo).getByText('0.973')).toBeInTheDocument();
    expect(within(photo).getByText('0.5 threshold')).toBeInTheDocument();
    expect(onResult).toHaveBeenCalledTimes(1);
    expect(onResult.mock.calls[0][1]).toMatchObject({ label: 'REAL', probability_real: 0.973 });
    expect(liveRegion()).toHaveTextContent(
      'photo.png: Real photo. Nothing in the file settles it, so this is the pixel model’s guess: a real photo.',
    );
  });

  it('sends one multipart request per file with the image field and explain=1', async () => {
    const seen: Array<{ explain: string | null; names: string[] }> = [];
    server.use(
      http.post('/api/predict', async ({ request }) => {
        const form = await request.formData();
        const files = form.getAll('image') as File[];
        seen.push({ explain: new URL(request.url).searchParams.get('explain'), names: files.map((file) => file.name) });
        return HttpResponse.json(makePrediction(0.9, { filename: files[0].name }));
      }),
    );
    const { user } = renderWithAnnouncer(<ClassifyPanel />);
    await user.upload(fileInput(), [imageFile('a.png'), imageFile('b.jpg', 'image/jpeg')]);
    await within(await findCard('a.png')).findByText('Real photo');
    await within(card('b.jpg')).findByText('Real photo');
    expect(seen).toHaveLength(2);
    expect(seen).toEqual(
      expect.arrayContaining([
        { explain: '1', names: ['a.png'] },
        { explain: '1', names: ['b.jpg'] },
      ]),
    );
  });

  it('shows an AI-generated verdict in words', async () => {
    const { user } = renderWithAnnouncer(<ClassifyPanel />);
    await user.upload(fileInput(), imageFile('fake-cat.png'));
    const fake = await findCard('fake-cat.png');
    expect(await within(fake).findByText('AI-generated')).toBeInTheDocument();
    expect(
      within(fake).getByText('The model is very confident (96%) that this is made by an image generator.'),
    ).toBeInTheDocument();
    expect(within(fake).getByRole('meter')).toHaveAttribute('aria-valuenow', '0.04');
  });
});

describe('each outcome of the verdict', () => {
  it('leads with “Can’t tell” in its own colour when the model is unsure, its lean in smaller words', async () => {
    const { user } = renderWithAnnouncer(<ClassifyPanel />);
    await user.upload(fileInput(), imageFile('unsure-dog.png'));
    const unsure = await findCard('unsure-dog.png');

    const headline = await within(unsure).findByText('Can’t tell');
    expect(headline.closest('.verdict')).toHaveClass('tone-cant-tell');
    expect(unsure).toHaveClass('tone-cant-tell');
    expect(within(unsure).queryByText('Real photo')).not.toBeInTheDocument();
    expect(within(unsure).getByText('Unsure')).toBeInTheDocument();
    const lean =
      'The pixel model leans towards a real photo (55%), but is unsure of this one (on pictures like this it was right 98% of the time).';
    expect(within(unsure).getByText(lean)).toHaveClass('verdict-lean');
    // The evidence line still says what the model itself read.
    expect(within(unsure).getByText(/The model is unsure: it leans towards a real photo \(55%\)/)).toBeInTheDocument();
    expect(liveRegion()).toHaveTextContent(`unsure-dog.png: Can’t tell. ${lean}`);
  });

  it('says “Can’t tell” for a picture unlike the training pictures, however sure the model is', async () => {
    server.use(
      http.post('/api/predict', () =>
        HttpResponse.json(
          makePrediction(0.03, {
            filename: 'banner.png',
            model_assessment: { ...makeAssessment(0.03), ...photoAssessment(0.9), out_of_distribution: true },
          }),
        ),
      ),
    );
    const { user } = renderWithAnnouncer(<ClassifyPanel />);
    await user.upload(fileInput(), imageFile('banner.png'));
    const banner = await findCard('banner.png');
    expect(await within(banner).findByText('Can’t tell')).toBeInTheDocument();
    expect(within(banner).getByText('Unfamiliar picture')).toBeInTheDocument();
    expect(
      within(banner).getByText(
        'The pixel model leans towards an AI-generated picture (90%), but on pictures like this it was right only 62% of the time.',
      ),
    ).toBeInTheDocument();
    expect(within(banner).queryByText('AI-generated')).not.toBeInTheDocument();
  });

  it('follows the server’s verdict, with no band of its own', async () => {
    server.use(
      http.post('/api/predict', () =>
        HttpResponse.json(
          makePrediction(0.9, { filename: 'edge.png', model_assessment: { ...makeAssessment(0.9), unsure: true } }),
        ),
      ),
    );
    const { user } = renderWithAnnouncer(<ClassifyPanel />);
    await user.upload(fileInput(), imageFile('edge.png'));
    expect(await within(await findCard('edge.png')).findByText('Can’t tell')).toBeInTheDocument();
  });

  it('does not call a sure answer unsure', async () => {
    server.use(http.post('/api/predict', () => HttpResponse.json(makePrediction(0.66, { filename: 'edge.png' }))));
    const { user } = renderWithAnnouncer(<ClassifyPanel />);
    await user.upload(fileInput(), imageFile('edge.png'));
    const edge = await findCard('edge.png');
    expect(await within(edge).findByText('Real photo')).toBeInTheDocument();
    expect(within(edge).getByText('Fairly confident')).toBeInTheDocument();
    expect(within(edge).queryByText('Can’t tell')).not.toBeInTheDocument();
    expect(within(edge).queryByText(/leans towards/)).not.toBeInTheDocument();
    expect(edge).toHaveClass('tone-real');
  });

  it('keeps a verdict settled by the file’s evidence, however unsure the model is', async () => {
    server.use(
      http.post('/api/predict', () => HttpResponse.json(signedAiPrediction(0.55, { filename: 'signed.png' }))),
    );
    const { user } = renderWithAnnouncer(<ClassifyPanel />);
    await user.upload(fileInput(), imageFile('signed.png'));
    const signed = await findCard('signed.png');
    expect(await within(signed).findByText('AI-generated')).toBeInTheDocument();
    expect(within(signed).queryByText('Can’t tell')).not.toBeInTheDocument();
    expect(signed).toHaveClass('tone-fake');
  });
});

describe('the picture’s caption', () => {
  it('says when the model read the preview stored in a HEIC instead of the whole picture', async () => {
    server.use(
      http.post('/api/predict', () =>
        HttpResponse.json(
          makePrediction(0.7, {
            filename: 'IMG_0001.HEIC',
            image: {
              width: 4032,
              height: 3024,
              format: 'HEIF',
              preview: { width: 320, height: 240, checked_tiles: 8, tiles: 48 },
            },
          }),
        ),
      ),
    );
    const { user } = renderWithAnnouncer(<ClassifyPanel />);
    await user.upload(fileInput(), imageFile('IMG_0001.HEIC'));
    const card = await findCard('IMG_0001.HEIC');
    expect(
      await within(card).findByText(
        'Your image · 4032×3024 HEIF · read from the 320×240 preview stored in the file, ' +
          'checked against 8 of its 48 tiles',
      ),
    ).toBeInTheDocument();
  });

  it('says when the preview stored in a HEIC showed another picture', async () => {
    server.use(
      http.post('/api/predict', () =>
        HttpResponse.json(
          makePrediction(0.7, {
            filename: 'IMG_0002.HEIC',
            image: { width: 1024, height: 768, format: 'HEIF', different_preview: { width: 320, height: 240 } },
          }),
        ),
      ),
    );
    const { user } = renderWithAnnouncer(<ClassifyPanel />);
    await user.upload(fileInput(), imageFile('IMG_0002.HEIC'));
    const card = await findCard('IMG_0002.HEIC');
    expect(
      await within(card).findByText(
        'Your image · 1024×768 HEIF · the preview stored in the file shows another picture, ' +
          'so the picture itself was analysed',
      ),
    ).toBeInTheDocument();
  });

  it('names only the size and format when the whole picture was read', async () => {
    const { user } = renderWithAnnouncer(<ClassifyPanel />);
    await user.upload(fileInput(), imageFile('photo.png'));
    const photo = await findCard('photo.png');
    expect(await within(photo).findByText('Your image · 640×480 PNG')).toBeInTheDocument();
  });
});

describe('the Grad-CAM heatmap', () => {
  it('is overlaid on the image when switched on, next to the model input', async () => {
    const { user } = renderWithAnnouncer(<ClassifyPanel />);
    await user.upload(fileInput(), imageFile('photo.png'));
    const photo = await findCard('photo.png');
    await within(photo).findByText('Real photo');

    expect(within(photo).getByRole('img', { name: 'The picture the model analysed' })).toHaveAttribute(
      'src',
      expect.stringContaining('#input'),
    );
    // The input size comes from GET /api/model.
    expect(await within(photo).findByText('What the model saw (32×32)')).toBeInTheDocument();
    expect(within(photo).getByText(/the stronger the red, the more that part of the picture drove the model’s guess/)).toBeInTheDocument();

    const toggle = within(photo).getByRole('switch', { name: 'Show heatmap' });
    expect(toggle).not.toBeChecked();
    expect(within(photo).queryByRole('img', { name: 'Grad-CAM heatmap over photo.png' })).not.toBeInTheDocument();

    await user.click(toggle);
    expect(toggle).toBeChecked();
    expect(within(photo).getByRole('img', { name: 'Grad-CAM heatmap over photo.png' })).toHaveAttribute(
      'src',
      expect.stringContaining('#heat'),
    );

    // Keyboard: Space toggles it off again.
    toggle.focus();
    await user.keyboard(' ');
    expect(toggle).not.toBeChecked();
    expect(within(photo).queryByRole('img', { name: 'Grad-CAM heatmap over photo.png' })).not.toBeInTheDocument();
  });

  it('is not offered when the answer has no explanation', async () => {
    server.use(
      http.post('/api/predict', () => HttpResponse.json(makePrediction(0.9, { filename: 'photo.png', explanation: undefined }))),
    );
    const { user } = renderWithAnnouncer(<ClassifyPanel />);
    await user.upload(fileInput(), imageFile('photo.png'));
    const photo = await findCard('photo.png');
    await within(photo).findByText('Real photo');
    expect(within(photo).queryByRole('switch')).not.toBeInTheDocument();
  });
});

describe('errors, per file', () => {
  it.each([
    {
      what: 'a file that is not an image (415)',
      respond: () =>
        HttpResponse.json(errorBody(415, 'Unsupported Media Type', 'The file is not an image in a supported format.'), {
          status: 415,
        }),
      title: 'Not a supported image',
      message:
        'The file is not an image in a supported format. Send a JPEG, PNG, WebP, HEIC/HEIF, AVIF, GIF, BMP or TIFF picture.',
      retry: false,
    },
    {
      what: 'a body over the server limit (413 JSON)',
      respond: () =>
        HttpResponse.json(errorBody(413, 'Request Entity Too Large', 'The data value transmitted exceeds the capacity limit.'), {
          status: 413,
        }),
      title: 'File too large',
      message: /larger than the server accepts \(up to 64 MB per upload\)/,
      retry: false,
    },
    {
      what: 'an nginx 413 HTML page',
      respond: () => HttpResponse.html('<html><center><h1>413 Request Entity Too Large</h1></center></html>', { status: 413 }),
      title: 'File too large',
      message: /larger than the server accepts/,
      retry: false,
    },
    {
      what: 'a rate limit (429)',
      respond: () => HttpResponse.html('<html>429 Too Many Requests</html>', { status: 429 }),
      title: 'Too many requests',
      message: /Wait a few seconds, then try again/,
      retry: true,
    },
    {
      what: 'too many pixels (422)',
      respond: () =>
        HttpResponse.json(
          errorBody(422, 'Unprocessable Entity', 'The image has 64,000,000 pixels (8000x8000); the limit is 50,000,000.'),
          { status: 422 },
        ),
      title: 'Image too big',
      message: 'The image has 64,000,000 pixels (8000x8000); the limit is 50,000,000. Try a smaller copy of the picture.',
      retry: false,
    },
    {
      what: 'a server failure (500)',
      respond: () =>
        HttpResponse.json(errorBody(500, 'Internal Server Error', 'The server failed to process the request.'), { status: 500 }),
      title: 'Server error',
      message: /Something went wrong on the server/,
      retry: true,
    },
    {
      what: 'a gateway with no backend (502)',
      respond: () => HttpResponse.text('Bad Gateway', { status: 502 }),
      title: 'Server unavailable',
      message: /not answering right now/,
      retry: true,
    },
    {
      what: 'an unreachable server',
      respond: () => HttpResponse.error(),
      title: 'Server unreachable',
      message: /Could not reach the detector server/,
      retry: true,
    },
  ])('explains $what in plain words', async ({ respond, title, message, retry }) => {
    server.use(http.post('/api/predict', respond));
    const { user } = renderWithAnnouncer(<ClassifyPanel />);
    await user.upload(fileInput(), imageFile('photo.png'));
    const photo = await findCard('photo.png');

    expect(await within(photo).findByText(title)).toBeInTheDocument();
    expect(within(photo).getByText(message)).toBeInTheDocument();
    expect(within(photo).queryByRole('meter')).not.toBeInTheDocument();
    const retryButton = within(photo).queryByRole('button', { name: 'Try photo.png again' });
    if (retry) expect(retryButton).toBeInTheDocument();
    else expect(retryButton).not.toBeInTheDocument();
    expect(liveRegion()).toHaveTextContent(`photo.png: ${title}.`);
  });

  it('treats an answer without the verdict and its evidence as unexpected', async () => {
    const { verdict: _verdict, provenance: _provenance, ...partial } = makePrediction(0.9, { filename: 'photo.png' });
    server.use(http.post('/api/predict', () => HttpResponse.json(partial)));
    const { user } = renderWithAnnouncer(<ClassifyPanel />);
    await user.upload(fileInput(), imageFile('photo.png'));
    expect(await within(await findCard('photo.png')).findByText('Unexpected answer')).toBeInTheDocument();
  });

  it('refuses a file over the size limit without uploading it', async () => {
    let requests = 0;
    server.use(
      http.post('/api/predict', () => {
        requests += 1;
        return HttpResponse.json(makePrediction(0.9));
      }),
    );
    const { user } = renderWithAnnouncer(<ClassifyPanel />);
    await user.upload(fileInput(), hugeFile('huge.jpg', 70 * 1024 * 1024));
    const huge = await findCard('huge.jpg');
    expect(within(huge).getByText('File too large')).toBeInTheDocument();
    expect(within(huge).getByText('This file is 70 MB; the limit is 64 MB. Try a smaller or more compressed copy.')).toBeInTheDocument();
    expect(requests).toBe(0);
  });

  it('offers HEIC, HEIF and AVIF in the picker and sends an iPhone photo the browser left untyped', async () => {
    const { user } = renderWithAnnouncer(<ClassifyPanel />);
    const input = fileInput();
    expect(input.accept.split(',')).toEqual(expect.arrayContaining(['image/*', '.heic', '.heif', '.avif', 'image/heic']));
    expect(screen.getByText(/HEIC\/HEIF, AVIF/)).toBeInTheDocument();

    await user.upload(input, imageFile('IMG_0001.HEIC', ''));
    expect(await within(await findCard('IMG_0001.HEIC')).findByText('Real photo')).toBeInTheDocument();
  });

  it('shows a text file as "not an image" and keeps working for the other files', async () => {
    const { user } = renderWithAnnouncer(<ClassifyPanel />);
    await user.upload(fileInput(), [imageFile('cat.png'), textFile('notes.txt'), imageFile('fake-dog.png')]);

    expect(await within(await findCard('notes.txt')).findByText('Not a supported image')).toBeInTheDocument();
    expect(within(card('notes.txt')).getByText('No preview')).toBeInTheDocument();
    expect(await within(card('cat.png')).findByText('Real photo')).toBeInTheDocument();
    expect(await within(card('fake-dog.png')).findByText('AI-generated')).toBeInTheDocument();

    // And the next upload still works.
    await user.upload(fileInput(), imageFile('later.png'));
    expect(await within(await findCard('later.png')).findByText('Real photo')).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Results (4)' })).toBeInTheDocument();
  });

  it('tries a failed file again on request', async () => {
    let calls = 0;
    server.use(
      http.post('/api/predict', () => {
        calls += 1;
        return calls === 1 ? HttpResponse.error() : HttpResponse.json(makePrediction(0.08, { filename: 'photo.png' }));
      }),
    );
    const { user } = renderWithAnnouncer(<ClassifyPanel />);
    await user.upload(fileInput(), imageFile('photo.png'));
    const photo = await findCard('photo.png');
    await user.click(await within(photo).findByRole('button', { name: 'Try photo.png again' }));
    expect(await within(photo).findByText('AI-generated')).toBeInTheDocument();
    expect(within(photo).queryByText('Server unreachable')).not.toBeInTheDocument();
    expect(calls).toBe(2);
  });
});

describe('several files', () => {
  it(`uploads at most ${MAX_PARALLEL_UPLOADS} at a time, each with its own state`, async () => {
    const gate = deferred();
    let inFlight = 0;
    let maxInFlight = 0;
    server.use(
      http.post('/api/predict', async ({ request }) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const file = (await request.formData()).get('image') as File;
        await gate.promise;
        inFlight -= 1;
        return HttpResponse.json(makePrediction(0.9, { filename: file.name }));
      }),
    );
    const { user } = renderWithAnnouncer(<ClassifyPanel />);
    await user.upload(fileInput(), [imageFile('one.png'), imageFile('two.png'), imageFile('three.png')]);

    await within(card('one.png')).findByRole('progressbar');
    await within(card('two.png')).findByRole('progressbar');
    expect(within(card('three.png')).getByText('Waiting for its turn…')).toBeInTheDocument();
    expect(screen.getByText('3 still in progress')).toBeInTheDocument();

    gate.resolve();
    for (const name of ['one.png', 'two.png', 'three.png']) {
      expect(await within(card(name)).findByText('Real photo')).toBeInTheDocument();
    }
    expect(maxInFlight).toBe(MAX_PARALLEL_UPLOADS);
    expect(screen.queryByText(/still in progress/)).not.toBeInTheDocument();
  });

  it('lists the newest files first', async () => {
    const { user } = renderWithAnnouncer(<ClassifyPanel />);
    await user.upload(fileInput(), imageFile('first.png'));
    await user.upload(fileInput(), imageFile('second.png'));
    await within(card('second.png')).findByText('Real photo');
    const names = screen.getAllByRole('article').map((article) => within(article).getByRole('heading', { level: 3 }).textContent);
    expect(names).toEqual(['second.png', 'first.png']);
  });

  it('removes one result, or clears them all', async () => {
    const { user } = renderWithAnnouncer(<ClassifyPanel />);
    await user.upload(fileInput(), [imageFile('keep.png'), imageFile('drop.png')]);
    await within(await findCard('drop.png')).findByText('Real photo');

    await user.click(screen.getByRole('button', { name: 'Remove drop.png' }));
    expect(screen.queryByRole('article', { name: 'drop.png' })).not.toBeInTheDocument();
    expect(card('keep.png')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Clear results' }));
    expect(screen.queryAllByRole('article')).toHaveLength(0);
  });
});

describe('adding images', () => {
  it('accepts files dropped on the drop zone', async () => {
    renderWithAnnouncer(<ClassifyPanel />);
    const zone = screen.getByTestId('dropzone');
    const dataTransfer = { files: [imageFile('dropped.png'), imageFile('fake-dropped.png')], types: ['Files'] };
    fireEvent.dragEnter(zone, { dataTransfer });
    expect(screen.getByText('Drop to check these images')).toBeInTheDocument();
    fireEvent.drop(zone, { dataTransfer });
    expect(screen.getByText('Drop images here')).toBeInTheDocument();
    expect(await within(await findCard('dropped.png')).findByText('Real photo')).toBeInTheDocument();
    expect(await within(card('fake-dropped.png')).findByText('AI-generated')).toBeInTheDocument();
  });

  it('accepts an image pasted from the clipboard, with a readable name', async () => {
    renderWithAnnouncer(<ClassifyPanel />);
    const pasted = imageFile('image.png');
    fireEvent.paste(document.body, { clipboardData: { files: [pasted], items: [], types: ['Files'] } });
    const article = await screen.findByRole('article', { name: /^Pasted image .*\.png$/ });
    expect(await within(article).findByText('Real photo')).toBeInTheDocument();
  });

  it('ignores pastes without files, and pastes while the panel is inactive', () => {
    renderWithAnnouncer(<ClassifyPanel active={false} />);
    fireEvent.paste(document.body, { clipboardData: { files: [imageFile('image.png')], items: [], types: ['Files'] } });
    expect(screen.queryAllByRole('article')).toHaveLength(0);
  });

  it('opens the file picker from the keyboard', async () => {
    const { user } = renderWithAnnouncer(<ClassifyPanel />);
    const click = vi.spyOn(HTMLInputElement.prototype, 'click');
    await user.tab();
    const button = screen.getByRole('button', { name: 'Choose images…' });
    expect(button).toHaveFocus();
    expect(button).toHaveAccessibleDescription(/paste with Ctrl\+V/);
    await user.keyboard('{Enter}');
    expect(click).toHaveBeenCalled();
    expect(click.mock.contexts[0]).toBe(fileInput());
  });
});
