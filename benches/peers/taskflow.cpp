// Taskflow 4.1 as a peer of the overhead benchmark: build a tf::Taskflow of the shape (one
// task per node, precede() per edge) and run it on a tf::Executor of WORKERS threads; build and
// run are timed separately, on a fresh taskflow each repetition (as a first run).
// Usage: taskflow SHAPES SIZES REPS WORKERS  (prints JSON lines like benches/drivers/overhead.rs)
#include <taskflow/taskflow.hpp>

#include "shapes.hpp"

int main(int argc, char** argv) {
    tf::Executor executor(argc == 5 ? std::stoul(argv[4]) : 1);
    return run_peer(argc, argv, "taskflow", [&](const Deps& deps, std::vector<uint64_t>& values,
                                                std::vector<double>& build, std::vector<double>& run) {
        auto start = std::chrono::steady_clock::now();
        tf::Taskflow taskflow;
        std::vector<tf::Task> tasks(deps.size());
        for (size_t t = 0; t < deps.size(); ++t) {
            tasks[t] = taskflow.emplace([&values, &deps, t] { values[t] = task_value(values, deps[t]); });
            for (uint32_t d : deps[t]) tasks[d].precede(tasks[t]);
        }
        build.push_back(seconds_since(start));
        start = std::chrono::steady_clock::now();
        executor.run(taskflow).wait();
        run.push_back(seconds_since(start));
    });
}
