"""The page never freezes while the worker trains (the one timing assertion)."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.timing

PROBE = """() => {
  const probe = { longestTask: 0, worstLag: 0, ticks: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) probe.longestTask = Math.max(probe.longestTask, entry.duration);
  }).observe({ type: "longtask" });
  let last = performance.now();
  probe.timer = setInterval(() => {
    const now = performance.now();
    probe.worstLag = Math.max(probe.worstLag, now - last - 10);
    last = now;
    probe.ticks += 1;
  }, 10);
  window.__probe = probe;
}"""


def test_no_main_thread_task_over_200_ms_during_training_epochs(studio):
    # W: 784-100-200-10, batch 32, plain SGD, like the assignment
    studio.configure(hidden="100,200", optimizer="sgd", lr="0.1", batch_size="32", dropout="0",
                     shift="0", epochs="2")
    studio.reset()
    studio.page.evaluate(PROBE)
    studio.click("train")
    studio.wait_run_state("running")
    studio.draw_digit("7")                     # drawing and predicting meanwhile
    studio.by("mistakes-first").check()         # the gallery re-orders at every epoch end
    studio.click("tab-weights")
    expect(studio.by("status")).to_contain_text("Finished", timeout=180_000)
    studio.page.wait_for_timeout(500)          # the last epoch's report and redraws
    probe = studio.page.evaluate("() => { clearInterval(window.__probe.timer); return window.__probe; }")
    assert studio.epochs() == 2 and studio.chart_points("loss-chart") == 500
    print(f"main thread during training: {probe}")
    assert probe["ticks"] > 100, probe
    assert probe["longestTask"] < 200, probe
    assert probe["worstLag"] < 200, probe
