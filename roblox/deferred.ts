// roblox/deferred.ts
// A value that threads wait for: lets every join of one user share a single lookup without Promises.

export class Deferred<T> {
	private settled = false;
	private value?: T;
	private waiting = new Array<thread>();
	private listeners = new Array<(value: T) => void>();

	/** Settles once; later calls are ignored so a late retry cannot overwrite an answer already given. */
	resolve(value: T) {
		if (this.settled) return;
		this.settled = true;
		this.value = value;
		const waiting = this.waiting;
		const listeners = this.listeners;
		this.waiting = [];
		this.listeners = [];
		for (const thread of waiting) task.spawn(thread, value);
		for (const listener of listeners) task.spawn(listener, value);
	}

	isSettled() {
		return this.settled;
	}

	/** Yields the calling thread until the value is known. */
	await(): T {
		if (this.settled) return this.value as T;
		this.waiting.push(coroutine.running());
		const [value] = coroutine.yield() as LuaTuple<[T]>;
		return value;
	}

	/** Calls `listener` in its own thread once the value is known (at once if it already is). */
	onSettled(listener: (value: T) => void) {
		if (this.settled) task.spawn(listener, this.value as T);
		else this.listeners.push(listener);
	}
}
