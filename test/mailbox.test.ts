import { describe, expect, it } from 'vitest';
import { ANY_SOURCE, ANY_TAG } from '../sim/comm/comm.js';
import { MailboxComm } from '../sim/comm/local-comm.js';
import { Mailbox } from '../sim/comm/mailbox.js';

type Payloads = { 1: string; 2: number };

function letter(source: number, tag: number, payload: unknown) {
  return { source, tag, payload };
}

describe('Mailbox matching', () => {
  it('hands out letters of one source and tag in arrival order', () => {
    const box = new Mailbox();
    for (let i = 0; i < 5; i++) box.deliver(letter(1, 1, i));
    const got = [0, 1, 2, 3, 4].map(() => box.take({ source: 1, tag: 1 })?.payload);
    expect(got).toEqual([0, 1, 2, 3, 4]);
    expect(box.take()).toBeUndefined();
  });

  it('filters by source and by tag, leaving earlier non-matching letters queued', () => {
    const box = new Mailbox();
    box.deliver(letter(1, 1, 'a'));
    box.deliver(letter(2, 1, 'b'));
    box.deliver(letter(1, 2, 'c'));
    box.deliver(letter(2, 2, 'd'));
    expect(box.take({ source: 2, tag: 2 })?.payload).toBe('d');
    expect(box.take({ tag: 2 })?.payload).toBe('c');
    expect(box.take({ source: 2 })?.payload).toBe('b');
    expect(box.take({ source: ANY_SOURCE, tag: ANY_TAG })?.payload).toBe('a');
    expect(box.queued).toBe(0);
  });

  it('gives a waiting receiver the first letter that matches it, directly', async () => {
    const box = new Mailbox();
    const waiting = box.wait({ source: 3, tag: 2 });
    expect(box.waiting()).toEqual([{ source: 3, tag: 2 }]);
    box.deliver(letter(3, 1, 'wrong tag'));
    box.deliver(letter(4, 2, 'wrong source'));
    box.deliver(letter(3, 2, 'right'));
    expect((await waiting).payload).toBe('right');
    expect(box.queued).toBe(2);
    expect(box.waiting()).toEqual([]);
  });

  it('serves two waiting receivers in the order they asked', async () => {
    const box = new Mailbox();
    const first = box.wait();
    const second = box.wait();
    box.deliver(letter(1, 1, 'x'));
    box.deliver(letter(1, 1, 'y'));
    expect([(await first).payload, (await second).payload]).toEqual(['x', 'y']);
  });

  it('keeps order across many letters when the queue is compacted', () => {
    const box = new Mailbox();
    const n = 20_000;
    for (let i = 0; i < n; i++) box.deliver(letter(i % 3, 1, i));
    const fromOne: number[] = [];
    for (let i = 0; i < n / 2; i++) {
      const taken = box.take();
      if (taken?.source === 1) fromOne.push(taken.payload as number);
    }
    for (let taken = box.take({ source: 1 }); taken; taken = box.take({ source: 1 })) fromOne.push(taken.payload as number);
    expect(fromOne).toEqual(Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 === 1));
    expect(box.delivered).toBe(n);
  });
});

describe('MailboxComm', () => {
  it('sends through the transport and counts messages', async () => {
    const posted: [number, number, unknown][] = [];
    const comm = new MailboxComm<Payloads>(1, 4, (dest, tag, payload) => posted.push([dest, tag, payload]));
    comm.send(2, 1, 'hello');
    comm.send(3, 2, 42);
    expect(posted).toEqual([
      [2, 1, 'hello'],
      [3, 2, 42],
    ]);
    expect(comm.messagesOut).toBe(2);
    comm.mailbox.deliver(letter(0, 2, 7));
    const message = await comm.recv({ tag: 2 });
    expect(message).toEqual({ source: 0, tag: 2, payload: 7 });
    expect(comm.tryRecv()).toBeUndefined();
    expect(comm.messagesIn).toBe(1);
  });

  it('refuses to send to itself or outside the job', () => {
    const comm = new MailboxComm<Payloads>(1, 4, () => undefined);
    expect(() => comm.send(1, 1, 'x')).toThrow('rank 1: cannot send to rank 1 (job has 4 ranks)');
    expect(() => comm.send(4, 1, 'x')).toThrow('cannot send to rank 4');
    expect(() => comm.send(-1, 1, 'x')).toThrow('cannot send to rank -1');
  });
});
