package benchfix;

/** The benchmark target: a hot loop for breakpoint cycles, a stepping loop, and a parked thread with a deep stack. */
public class BenchLoop {
    static volatile long sink;
    /** The benchmark sets these through JDWP while it needs a loop to run flat out; otherwise the loops idle. */
    static volatile boolean hotSpin;
    static volatile boolean stepSpin;
    static final Holder HOLDER = new Holder();

    static class Holder {
        int count = 42;
        long total = 7L;
        String label = "holder";
        double ratio = 0.5;
        Holder next;
    }

    static int hot(int i) {
        int x = i * 2;          // HOT_LINE
        return x + 1;
    }

    static void stepper() {
        long s = 0;
        for (int i = 0; ; i++) {
            idleUnless(stepSpin);
            s += i;              // STEP_LINE
            s ^= i << 1;
            s -= i >> 2;
            if ((i & 0xFFFF) == 0) sink = s;
        }
    }

    static void idleUnless(boolean spin) {
        if (!spin) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static void deep(int n, String tag) throws InterruptedException {
        int depth = n;
        if (n == 0) {
            Object lock = new Object();
            synchronized (lock) {
                lock.wait();
            }
        } else {
            deep(n - 1, tag);
        }
        sink += depth;
    }

    /** "full" runs the hot and stepping loops too; "idle" (the default) only parks a thread. */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("full")) {
            startLoops();
        }
        Thread parked = new Thread(() -> {
            try {
                deep(20, "parked");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "bench-parked");
        parked.start();
        parked.join();
    }

    static void startLoops() {
        Thread hot = new Thread(() -> {
            long s = 0;
            for (int i = 0; ; i++) {
                idleUnless(hotSpin);
                s += hot(i);
                if ((i & 0xFFFFF) == 0) sink = s;
            }
        }, "bench-hot");
        hot.setDaemon(true);
        hot.start();
        Thread step = new Thread(BenchLoop::stepper, "bench-step");
        step.setDaemon(true);
        step.start();
    }
}
