package jdicheck;

/** Prints one line per check, "PASS name" or "FAIL name: reason", and keeps the exit code. */
final class Report {
    /** A check: returns normally when it holds, throws (usually {@link Failed}) when it does not. */
    interface Check {
        void run() throws Exception;
    }

    /** A check that did not hold, with the reason to print. */
    static final class Failed extends Exception {
        private static final long serialVersionUID = 1L;

        Failed(String reason) {
            super(reason);
        }
    }

    private int failures;

    /** Runs a check and reports it; returns whether it passed. */
    boolean check(String name, Check check) {
        try {
            check.run();
            pass(name);
            return true;
        } catch (Failed f) {
            fail(name, f.getMessage());
        } catch (Throwable t) {
            fail(name, t.toString());
        }
        return false;
    }

    void pass(String name) {
        System.out.println("PASS " + name);
    }

    void fail(String name, String reason) {
        failures++;
        System.out.println("FAIL " + name + ": " + reason.replace('\n', ' '));
    }

    /** Throws {@link Failed} with the formatted reason unless the condition holds. */
    static void require(boolean condition, String format, Object... args) throws Failed {
        if (!condition) throw new Failed(String.format(format, args));
    }

    int failures() {
        return failures;
    }
}
