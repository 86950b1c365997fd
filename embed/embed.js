/* vorzimmer booking widget loader (plain script, no modules):
   <script src="https://termine.example/embed.js" data-location="rathaus" data-lang="de" async></script>
   Options: data-org, data-location, data-service, data-lang, data-theme, data-font-size,
   data-title, data-height, data-target (CSS selector of a container). Inserts a titled iframe
   of <script origin>/embed?... that resizes to its content. Height messages are accepted only
   from that origin and from this iframe; they carry nothing but {type, height}. */
(function () {
  var TITLES = {
    de: 'Online-Terminbuchung',
    en: 'Online appointment booking',
    tr: 'Çevrimiçi randevu alma',
    ar: 'حجز موعد عبر الإنترنت',
    uk: 'Онлайн-запис на прийом'
  };
  var KEYS = ['org', 'location', 'service', 'lang', 'theme'];

  function mount(script) {
    if (!script || script.getAttribute('data-vorzimmer') === 'on') return;
    script.setAttribute('data-vorzimmer', 'on');
    var origin = new URL(script.src, location.href).origin;
    var d = script.dataset;
    var q = new URLSearchParams();
    KEYS.forEach(function (k) { if (d[k]) q.set(k, d[k]); });
    if (d.fontSize) q.set('font_size', d.fontSize);
    if (/^https?:$/.test(location.protocol)) q.set('origin', location.origin);
    var lang = String(d.lang || 'de').slice(0, 2).toLowerCase();
    var frame = document.createElement('iframe');
    frame.src = origin + '/embed?' + q.toString();
    frame.title = d.title || TITLES[lang] || TITLES.de;
    frame.referrerPolicy = 'origin';
    frame.style.display = 'block';
    frame.style.width = '100%';
    frame.style.border = '0';
    frame.style.height = (parseInt(d.height, 10) || 640) + 'px';
    var target = d.target && document.querySelector(d.target);
    if (target) target.appendChild(frame);
    else script.parentNode.insertBefore(frame, script.nextSibling);
    window.addEventListener('message', function (event) {
      if (event.origin !== origin || event.source !== frame.contentWindow) return;
      var m = event.data;
      if (!m || m.type !== 'vorzimmer:height') return;
      var h = Number(m.height);
      if (h > 0 && h < 1e5) frame.style.height = Math.ceil(h) + 'px';
    });
  }

  if (document.currentScript) mount(document.currentScript);
  else {
    var all = document.querySelectorAll('script[src$="/embed.js"]');
    for (var i = 0; i < all.length; i++) mount(all[i]);
  }
})();
