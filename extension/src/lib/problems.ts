/**
 * Every way a check can fail before the server answers, in one plain
 * sentence each (the server's own refusals keep the web app's words, from
 * its API client). None of them sends anything anywhere.
 */
import { formatMegabytes } from '@/lib/format';
import type { SourceProblem } from './image-source';

export interface Problem {
  /** A short heading, e.g. "Broken link". */
  title: string;
  /** One plain sentence. */
  message: string;
  /** Whether trying again may help. */
  retryable: boolean;
}

const problem = (title: string, message: string, retryable = false): Problem => ({ title, message, retryable });

/** No address, or one the extension cannot fetch. */
export function sourceProblem(source: SourceProblem): Problem {
  if (source.kind === 'missing') {
    return problem(
      'No picture given',
      'No picture was given to check: right-click a picture on a page and choose “Check with Real or AI?”.',
    );
  }
  return problem(
    'Not a picture’s web address',
    `The extension checks pictures with an http, https, data: or blob: address, not a ${source.scheme}: one.`,
  );
}

/** A data: address that holds nothing readable. */
export function badDataAddress(): Problem {
  return problem('Unreadable address', 'This data: address holds no picture that can be read.');
}

/** The image host sent no answer at all (it is down, the name does not resolve, or the browser blocked the request). */
export function imageUnreachable(host: string): Problem {
  return problem('Picture unreachable', `The picture could not be downloaded: the site ${host} did not answer.`, true);
}

/** The image host did not finish sending the picture in time. */
export function imageTimedOut(host: string): Problem {
  return problem('No answer in time', `The site ${host} took too long to send the picture.`, true);
}

/**
 * The image host answered with an error: a refusal (the page forbids the
 * fetch), a broken link, or any other status.
 */
export function imageHttpError(status: number, host: string): Problem {
  if (status === 401 || status === 403) {
    return problem(
      'Download refused',
      `The site ${host} refused to give the picture to the extension (HTTP ${status}); save the picture from the page and upload it in the web app instead.`,
    );
  }
  if (status === 404 || status === 410) {
    return problem('Broken link', `There is no picture at this address (HTTP ${status}): the link is broken.`);
  }
  return problem('Download failed', `The site ${host} answered HTTP ${status} instead of sending the picture.`, status >= 500);
}

/** A web page behind the picture's address (a login wall, an article). */
export function htmlPage(): Problem {
  return problem(
    'A web page, not a picture',
    'This address leads to a web page, not to a picture: open the picture itself and check it from there.',
  );
}

/** An answer of a type that is no picture (JSON, text, video). */
export function notAnImage(mediaType: string): Problem {
  return problem('Not a picture', `This address serves ${mediaType}, not a picture.`);
}

/** An answer with no bytes. */
export function emptyFile(): Problem {
  return problem('Empty file', 'This address gave an empty file, not a picture.');
}

/** Over the upload limit: refused before sending, by its declared size or while it was downloaded. */
export function tooLarge(limitBytes: number, sizeBytes: number | null): Problem {
  const size = sizeBytes === null ? 'larger than' : `${formatMegabytes(sizeBytes)}, more than`;
  return problem(
    'Picture too large',
    `This picture is ${size} the ${formatMegabytes(limitBytes)} the server accepts, so it was not sent.`,
  );
}

/** fetch follows at most 20 redirects and then fails without saying why; a probe saw that the address redirects. */
export function redirectProblem(): Problem {
  return problem(
    'Too many redirects',
    'The picture’s address keeps redirecting (a redirect loop, or to a site the extension may not read), so there is no picture to check.',
  );
}

/** A blob: picture lives only in the page that made it. */
export function blobUnreadable(): Problem {
  return problem(
    'Picture no longer there',
    'This picture exists only inside the page that made it, and that page is closed or no longer has it: right-click the picture on the page again.',
  );
}

/** The person's server did not answer (not running, or a wrong address). */
export function serverUnreachable(serverUrl: string): Problem {
  return problem(
    'Server unreachable',
    `Your server at ${serverUrl} did not answer: start it (make run), or set its address in the extension’s options.`,
    true,
  );
}
