import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { llmClient, llmEndpoint } from './llm.ts';

describe('llmEndpoint', () => {
  const cases: [string, string, string][] = [
    ['http://h:11434/v1', 'openai', 'http://h:11434/v1/chat/completions'],
    ['http://h:8000/', 'openai', 'http://h:8000/v1/chat/completions'],
    ['https://api.example.com/v1/chat/completions', 'openai', 'https://api.example.com/v1/chat/completions'],
    ['http://h:11434/api/chat', 'ollama', 'http://h:11434/api/chat'],
  ];
  it.each(cases)('%s -> %s %s', (url, kind, endpoint) => {
    expect(llmEndpoint(url)).toEqual({ kind, url: endpoint });
  });
});

describe('llmClient against a fake Ollama (native /api/chat)', () => {
  let url = '';
  const seen: unknown[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      seen.push({ path: req.url, body: JSON.parse(raw) });
      res.writeHead(200, { 'content-type': 'application/json' });
      // Ollama's non-streaming chat answer.
      res.end(
        JSON.stringify({
          model: 'llama3.2',
          created_at: new Date().toISOString(),
          message: { role: 'assistant', content: ' La trucha lleva manteca. ' },
          done_reason: 'stop',
          done: true,
        }),
      );
    });
  });
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/chat`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('sends model, messages and stream:false, and reads message.content', async () => {
    const text = await llmClient(url, 'llama3.2', 5_000).complete('reglas', 'pregunta');
    expect(text).toBe('La trucha lleva manteca.');
    expect(seen[0]).toMatchObject({
      path: '/api/chat',
      body: {
        model: 'llama3.2',
        stream: false,
        messages: [
          { role: 'system', content: 'reglas' },
          { role: 'user', content: 'pregunta' },
        ],
      },
    });
  });
});
