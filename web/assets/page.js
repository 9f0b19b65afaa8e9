/* The chat page's own behaviour: [n] links open their source card; copy buttons copy the
   plain text beside them; rating, comment and "ask this" buttons inside the chat reach the
   server through small bridge components (gr.HTML with js_on_load) that register themselves
   in window.askerBridges. Nothing is fetched from other hosts. */
(function () {
  if (window.askerPage) return;
  window.askerPage = true;
  var bridges = (window.askerBridges = window.askerBridges || {});
  var seq = 0;

  function near(el, selector) {
    return el && el.closest ? el.closest(selector) : null;
  }

  function send(bridge, value) {
    var b = bridges[bridge];
    if (!b) return false;
    seq += 1;
    b.trigger('select', { index: seq, value: value });
    return true;
  }

  function say(box, selector, text) {
    var status = box ? box.querySelector(selector) : null;
    if (status) status.textContent = text;
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement('textarea');
      area.value = text;
      area.setAttribute('readonly', '');
      area.style.position = 'fixed';
      area.style.left = '-9999px';
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
      area.remove();
      if (ok) resolve(); else reject(new Error('copy failed'));
    });
  }

  function openCard(link, ev) {
    var id = (link.getAttribute('href') || '').slice(1);
    var card = id ? document.getElementById(id) : null;
    if (!card) return;
    ev.preventDefault();
    ev.stopPropagation();
    var details = card.querySelector('details');
    if (details) details.open = true;
    card.scrollIntoView({ behavior: 'smooth', block: 'center' });
    card.classList.add('asker-flash');
    setTimeout(function () { card.classList.remove('asker-flash'); }, 1500);
  }

  function copy(button) {
    var box = button.parentElement;
    var source = box ? box.querySelector('.asker-copy-text') : null;
    if (!source) return;
    copyText(source.textContent).then(
      function () { say(box, '.asker-copy-status', 'Kopiert.'); },
      function () { say(box, '.asker-copy-status', 'Kunne ikke kopiere. Merk teksten og kopier selv.'); }
    );
  }

  function rate(button) {
    var bar = near(button, '.asker-actions');
    if (!bar) return;
    bar.querySelectorAll('.asker-rate').forEach(function (b) {
      b.classList.toggle('asker-chosen', b === button);
      b.setAttribute('aria-pressed', b === button ? 'true' : 'false');
    });
    var comment = bar.querySelector('.asker-comment');
    if (comment) comment.hidden = false;
    send('feedback', { action: 'rate', answer: button.name, rating: Number(button.value) });
  }

  function sendComment(control) {
    var bar = near(control, '.asker-actions');
    var input = bar ? bar.querySelector('.asker-comment-input') : null;
    if (!input || !input.value.trim()) return;
    send('feedback', { action: 'comment', answer: input.name, comment: input.value });
  }

  document.addEventListener('click', function (ev) {
    var t = ev.target;
    var link = near(t, 'a.cite');
    if (link) return openCard(link, ev);
    var button = near(t, 'button.asker-copy');
    if (button) return copy(button);
    button = near(t, 'button.asker-rate');
    if (button) return rate(button);
    button = near(t, 'button.asker-comment-send');
    if (button) return sendComment(button);
    button = near(t, 'button.asker-ask');
    // One answer at a time: an example waits until the answer being written is done.
    if (button && !document.querySelector('#chat .asker-streaming')) {
      send('ask', button.textContent.trim());
    }
  }, true);

  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter' && near(ev.target, 'input.asker-comment-input')) {
      ev.preventDefault();
      sendComment(ev.target);
    }
  }, true);

  /* Gradio names each chat message "bot's message: <its raw HTML>" and the log "chatbot
     conversation" (in English, whatever the page's language). The message's own text is its
     best name, so those labels are removed; the log is named in Norwegian. */
  function fixChatNames(root) {
    root.querySelectorAll('[aria-label]').forEach(function (el) {
      var label = el.getAttribute('aria-label') || '';
      if (/^(bot|user)'s message/.test(label)) el.removeAttribute('aria-label');
      else if (label === 'chatbot conversation') el.setAttribute('aria-label', 'Samtale');
    });
  }
  /* The chat grows in the page (it has no scroll box of its own): a new question is scrolled
     to the top of the window, so that its answer is read from its start as it comes. */
  var questionsSeen = 0;
  function showNewQuestion(chat) {
    var questions = chat.querySelectorAll('.asker-q');
    if (questions.length > questionsSeen) {
      var still = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
      questions[questions.length - 1].scrollIntoView({ block: 'start',
        behavior: still ? 'auto' : 'smooth' });
    }
    questionsSeen = questions.length;
  }

  new MutationObserver(function () {
    var chat = document.getElementById('chat');
    if (!chat) return;
    fixChatNames(chat);
    showNewQuestion(chat);
  }).observe(document.documentElement, { subtree: true, childList: true,
    attributes: true, attributeFilter: ['aria-label'] });

  /* The feedback bridge's reply: {answer, message}; shown at the rated answer. */
  window.askerFeedbackReply = function (raw) {
    var reply;
    try { reply = JSON.parse(raw || '{}'); } catch (e) { return; }
    var answer = reply && reply.answer ? document.getElementById('svar-' + reply.answer) : null;
    if (!answer) return;
    say(answer, '.asker-feedback-status', reply.message || '');
    if (reply.comment_saved) {
      var input = answer.querySelector('.asker-comment-input');
      if (input) input.value = '';
    }
  };
})();
