/** The header of the extension's pages: its name, what the page is for, and a link to another page. */
export function PageHeader({ tagline, link }: { tagline: string; link?: { href: string; text: string } }) {
  return (
    <header className="site-header">
      <div className="site-header-inner">
        <div className="brand">
          <img className="ext-logo" src="icons/icon-48.png" alt="" width="40" height="40" />
          <div>
            <h1 className="brand-title">Real or AI?</h1>
            <p className="brand-tagline">{tagline}</p>
          </div>
        </div>
        {link && (
          <nav aria-label="Extension">
            <a className="nav-link" href={link.href}>
              {link.text}
            </a>
          </nav>
        )}
      </div>
    </header>
  );
}
