import { describe, expect, it } from 'vitest';
import * as problems from '@ext/lib/problems';

/** Each failure with sample arguments. */
const ALL = [
  problems.sourceProblem({ kind: 'missing' }),
  problems.sourceProblem({ kind: 'unsupported', scheme: 'file' }),
  problems.badDataAddress(),
  problems.imageUnreachable('example.org'),
  problems.imageTimedOut('example.org'),
  problems.imageHttpError(403, 'example.org'),
  problems.imageHttpError(404, 'example.org'),
  problems.imageHttpError(500, 'example.org'),
  problems.htmlPage(),
  problems.notAnImage('application/json'),
  problems.emptyFile(),
  problems.tooLarge(64 * 1024 * 1024, 80 * 1024 * 1024),
  problems.tooLarge(64 * 1024 * 1024, null),
  problems.redirectProblem(),
  problems.blobUnreadable(),
  problems.serverUnreachable('http://127.0.0.1:8000'),
];

describe('the failure sentences', () => {
  it.each(ALL.map((problem) => [problem.title, problem]))('%s: one plain sentence', (_title, problem) => {
    expect(problem.message).toMatch(/^[A-Z0-9“]/);
    expect(problem.message).toMatch(/[.]$/);
    // One sentence: no full stop followed by another sentence (addresses and sizes keep their dots).
    expect(problem.message.slice(0, -1)).not.toMatch(/[.!?] [A-Z]/);
  });

  it('names the sizes in megabytes', () => {
    expect(problems.tooLarge(64 * 1024 * 1024, 80 * 1024 * 1024).message).toBe(
      'This picture is 80 MB, more than the 64 MB the server accepts, so it was not sent.',
    );
    expect(problems.tooLarge(64 * 1024 * 1024, null).message).toBe(
      'This picture is larger than the 64 MB the server accepts, so it was not sent.',
    );
  });
});
