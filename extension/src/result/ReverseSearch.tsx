import { isPublicAddress, type ImageSource } from '@ext/lib/image-source';
import { reverseSearchLinks } from '@ext/lib/reverse-search';

/**
 * For "can't tell" on a picture from the web: reverse image search by its
 * address, as links that send nothing until clicked, and what a click sends where.
 */
export function ReverseSearch({ source }: { source: ImageSource }) {
  if (source.kind !== 'web' || !isPublicAddress(source.url)) {
    return (
      <p className="ext-search-note">
        A reverse image search cannot look this picture up by its address (it is not on the public web): save the
        picture and upload it to such a service if you want to search for it.
      </p>
    );
  }
  const services = reverseSearchLinks(source.url.href);
  return (
    <div className="ext-search">
      <p className="ext-search-lead">Search for earlier copies of this picture:</p>
      <ul className="ext-search-links">
        {services.map((service) => (
          <li key={service.name}>
            <a href={service.href} target="_blank" rel="noreferrer">
              {service.name}
            </a>
          </li>
        ))}
      </ul>
      <p className="ext-search-note">
        Each link opens in a new tab and sends the picture’s address to that service (
        {services.map((service) => service.operator).join(', ')}); nothing is sent before you click.
      </p>
    </div>
  );
}
