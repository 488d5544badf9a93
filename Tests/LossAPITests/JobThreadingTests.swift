@testable import LossAPI
import Testing

/// Jobs split across both cores only while their request is the only one in progress.
struct JobThreadingTests {
    @Test func aloneTwoThreads_BesideAnotherRequestOne() {
        #expect(JobRunner.threads(requestsInProgress: 1) == 2)
        #expect(JobRunner.threads(requestsInProgress: 2) == 1)
        // Two requests being answered at once (whatever other tests run meanwhile): one thread.
        let beside = JobRunner.answering { JobRunner.answering { JobRunner.threadsPerJob } }
        #expect(beside == 1)
    }
}
