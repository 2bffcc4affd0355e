/** Files for tests; the content does not matter to the mocked API. */
export function imageFile(name = 'photo.png', type = 'image/png', bytes = 64): File {
  return new File([new Uint8Array(bytes)], name, { type });
}

export function textFile(name = 'notes.txt'): File {
  return new File(['just some text'], name, { type: 'text/plain' });
}

/** A file that claims to be `size` bytes without allocating them. */
export function hugeFile(name: string, size: number): File {
  const file = new File(['x'], name, { type: 'image/jpeg' });
  Object.defineProperty(file, 'size', { value: size });
  return file;
}
