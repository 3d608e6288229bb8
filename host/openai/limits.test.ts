import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toChatMessages } from './chat-template.js';
import { ApiError } from './errors.js';
import { DEFAULT_REQUEST_LIMITS, maxChatBodyBytes, requestLimitsFromEnv } from './limits.js';

test('defaults, and overrides from the environment', () => {
  assert.deepEqual(requestLimitsFromEnv({}), { maxMessages: 2048, maxPromptChars: 262144 });
  assert.deepEqual(requestLimitsFromEnv({ SPIN_TS_OPENAI_MAX_MESSAGES: '10', SPIN_TS_OPENAI_MAX_PROMPT_CHARS: '500' }), {
    maxMessages: 10,
    maxPromptChars: 500,
  });
  assert.throws(() => requestLimitsFromEnv({ SPIN_TS_OPENAI_MAX_MESSAGES: '0' }), /SPIN_TS_OPENAI_MAX_MESSAGES must be a positive integer, got "0"/);
  assert.throws(() => requestLimitsFromEnv({ SPIN_TS_OPENAI_MAX_PROMPT_CHARS: '1e3x' }), /SPIN_TS_OPENAI_MAX_PROMPT_CHARS must be a positive integer/);
});

test('the message count is checked before any message is read', () => {
  // 3 entries that are not even messages: the count alone refuses them
  const err = (() => {
    try {
      toChatMessages([1, 2, 3], { maxMessages: 2, maxPromptChars: 100 });
    } catch (e) {
      return e as ApiError;
    }
    return undefined;
  })();
  assert.ok(err instanceof ApiError);
  assert.equal(err.status, 400);
  assert.equal(err.code, 'too_many_messages');
  assert.match(err.message, /3 messages .*at most 2/);
});

test('the prompt length counts every message (text parts included)', () => {
  const limits = { maxMessages: 10, maxPromptChars: 6 };
  assert.equal(
    toChatMessages(
      [
        { role: 'user', content: 'abc' },
        { role: 'user', content: [{ type: 'text', text: 'def' }] },
      ],
      limits,
    ).length,
    2,
  );
  assert.throws(
    () =>
      toChatMessages(
        [
          { role: 'user', content: 'abc' },
          { role: 'user', content: 'defg' },
        ],
        limits,
      ),
    (e: ApiError) => e.code === 'prompt_too_long' && /at most 6 characters/.test(e.message),
  );
});

test('the chat body bound leaves room for any request within the limits', () => {
  // every character escaped as \\u0000 (6 bytes), plus a minimal message object around each
  const worst = JSON.stringify({ model: 'm', messages: Array.from({ length: 2048 }, () => ({ role: 'assistant', content: '\u0000'.repeat(128) })) });
  assert.ok(Buffer.byteLength(worst) <= maxChatBodyBytes(DEFAULT_REQUEST_LIMITS));
});
