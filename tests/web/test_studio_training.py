"""Training in the worker, live, with Train / Pause / Step / Stop / Reset."""

from playwright.sync_api import expect


def test_two_epochs_fill_both_charts_and_reach_over_80_percent(studio):
    studio.configure(hidden="64", dropout="0", shift="0", batch_size="64", epochs="2",
                     optimizer="adam", lr="0.002")
    studio.reset()
    assert studio.chart_points("accuracy-chart") == 0 and studio.chart_points("loss-chart") == 0
    studio.click("train")
    expect(studio.by("status")).to_contain_text("Finished", timeout=120_000)
    studio.wait_run_state("idle")
    assert studio.epochs() == 2
    assert studio.chart_points("accuracy-chart") == 3   # the untrained network's, then one per epoch
    assert studio.chart_points("loss-chart") == 2 * 125   # 8000 examples / 64 per batch
    assert studio.percent("val-accuracy") > 80
    assert studio.percent("train-accuracy") > 80
    expect(studio.by("test-accuracy")).not_to_have_text("–")
    assert studio.percent("test-accuracy") > 80
    # the gallery and the confusion matrix describe the trained network
    expect(studio.by("gallery-summary")).to_contain_text("of 1000 right")
    studio.click("tab-confusion")
    expect(studio.by("confusion").locator("tbody tr")).to_have_count(10)
    studio.click("tab-weights")
    expect(studio.by("weights").locator("canvas")).to_have_count(32)


def test_pause_stops_the_epoch_counter_and_resume_continues_it(studio):
    studio.small_network(batch_size="32", epochs="40")
    studio.click("train")
    studio.wait_epochs(1)
    studio.click("pause")
    studio.wait_run_state("paused")
    expect(studio.by("pause")).to_have_text("Resume")
    paused_at = studio.epochs()
    batch = studio.by("epoch-progress").get_attribute("value")
    studio.page.wait_for_timeout(1500)
    assert studio.epochs() == paused_at
    assert studio.by("epoch-progress").get_attribute("value") == batch
    # a paused network still answers drawings
    assert studio.draw_digit("1") in "0123456789"
    studio.click("pause")   # now "Resume"
    studio.wait_run_state("running")
    assert studio.wait_epochs(paused_at + 1) > paused_at
    studio.click("stop")
    studio.wait_run_state("idle")


def test_step_runs_exactly_one_epoch(studio):
    studio.small_network(epochs="5")
    studio.click("step")
    studio.wait_run_state("paused")
    assert studio.epochs() == 1
    assert studio.chart_points("accuracy-chart") == 2   # the untrained network's, and the epoch's
    assert studio.chart_points("loss-chart") == 63          # ceil(8000 / 128) batches
    expect(studio.by("status")).to_contain_text("after one epoch")
    studio.click("step")
    studio.wait_epochs(2)
    studio.wait_run_state("paused")
    assert studio.epochs() == 2 and studio.chart_points("accuracy-chart") == 3
    assert studio.chart_points("loss-chart") == 126


def test_stop_keeps_the_weights_and_reset_starts_over(studio):
    studio.small_network(epochs="30")
    studio.click("train")
    studio.wait_epochs(1)
    studio.click("stop")
    studio.wait_run_state("idle")
    expect(studio.by("status")).to_contain_text("Stopped")
    stopped_at = studio.epochs()
    assert stopped_at >= 1 and studio.chart_points("accuracy-chart") == stopped_at + 1
    expect(studio.by("model-summary")).to_contain_text(f"trained {stopped_at} epoch")
    expect(studio.by("train")).to_be_enabled()
    expect(studio.by("pause")).to_be_disabled()
    expect(studio.by("stop")).to_be_disabled()
    studio.reset()
    assert studio.chart_points("accuracy-chart") == 0 and studio.chart_points("loss-chart") == 0
    expect(studio.by("model-summary")).to_contain_text("trained 0 epochs")
    expect(studio.by("val-accuracy")).to_have_text("–")


def test_predictions_keep_working_while_training(studio):
    studio.small_network(batch_size="32", epochs="40")
    studio.click("train")
    studio.wait_epochs(1)
    assert studio.run_state() == "running"
    assert studio.draw_digit("7") in "0123456789"
    first = studio.probabilities()
    studio.wait_epochs(studio.epochs() + 2)
    studio.page.wait_for_timeout(1200)   # the page re-reads the drawing with newer weights
    assert studio.probabilities() != first
    assert studio.run_state() == "running"
    studio.click("stop")
    studio.wait_run_state("idle")


def test_a_diverging_learning_rate_stops_with_a_message_and_keeps_good_weights(studio):
    studio.small_network(hidden="64,64", optimizer="momentum", lr="0.01", epochs="3")
    studio.draw_digit("1")
    assert "diverged" in studio.diverge_then_recover()


def test_pressing_stop_or_pause_twice_is_harmless(studio):
    studio.small_network(batch_size="32", epochs="40")
    studio.page.evaluate("""() => {   // count what reaches the worker
        window.__sent = [];
        const post = Worker.prototype.postMessage;
        Worker.prototype.postMessage = function (message, ...rest) {
            window.__sent.push(message.type);
            return post.call(this, message, ...rest);
        };
    }""")
    studio.click("train")
    studio.wait_epochs(1)
    studio.by("pause").dblclick()   # Pause then (same button) Resume: the double click pauses
    studio.wait_run_state("paused")
    studio.page.wait_for_timeout(300)
    assert studio.run_state() == "paused"
    studio.click("pause")   # Resume
    studio.wait_run_state("running")
    studio.by("stop").dblclick()
    studio.wait_run_state("idle")
    expect(studio.by("status")).to_contain_text("Stopped")
    studio.page.wait_for_timeout(500)
    sent = studio.page.evaluate("() => window.__sent")
    # the second Stop reaches the worker only if it came before the answer disabled the button
    assert sent.count("stop") in (1, 2) and sent.count("pause") == 1 and sent.count("resume") == 1, sent
    expect(studio.by("error")).to_be_hidden()
    expect(studio.by("train")).to_be_enabled()
