// The citizen booking site: / (?org=&location=&service=&lang=&theme=&font_size=&contrast=)

import { $, h, replaceChildren } from '../lib/dom.js';
import { storage } from '../lib/storage.js';
import { t, onLanguageChange, revealPage } from '../lib/i18n.js';
import { createApi } from './api.js';
import { BookingFlow } from './flow.js';
import { setUpChrome, siteParams } from './chrome.js';
import { privacyLinks } from './booking-view.js';

const params = siteParams();
let org = null;

function renderOrg() {
  $('#org-name').textContent = org ? org.name : t('site.appName');
  document.title = org ? `${t('site.pageTitle')} – ${org.name}` : t('site.pageTitle');
  const footer = $('#org-contact');
  if (!org) {
    replaceChildren(footer);
    return;
  }
  replaceChildren(
    footer,
    h('p', { class: 'footer-org', text: org.name }),
    org.phone ? h('p', {}, `${t('site.footer.phone')}: `, h('a', { href: `tel:${org.phone.replace(/[^+\d]/g, '')}`, dir: 'ltr', text: org.phone })) : null,
    org.website ? h('p', {}, h('a', { href: org.website, rel: 'noopener', dir: 'ltr', text: org.website.replace(/^https?:\/\//, '') })) : null,
    privacyLinks(org),
  );
}

try {
  await setUpChrome({
    params,
    store: storage,
    defaultTheme: window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light',
    langSwitch: $('#lang-switch'),
    contrastToggle: $('#contrast-toggle'),
    largeTextToggle: $('#large-text-toggle'),
  });
  onLanguageChange(renderOrg);
  renderOrg();
  const flow = new BookingFlow({
    root: $('#flow'),
    api: createApi(),
    params,
    source: 'WEB',
    announcer: $('#announcer'),
    onOrganization: (o) => {
      org = o;
      renderOrg();
    },
    history: true,
    print: true,
    push: true,
  });
  await flow.start();
} catch (err) {
  console.error(err);
  revealPage();
  $('#flow').removeAttribute('aria-busy');
  $('#load-failed').hidden = false;
}
