using System.Net;
using System.Net.Http;
using System.Threading.Tasks;

namespace CmkPowerShell.Tests.Emulator
{
    public class EmulatorBasicsTests : IClassFixture<EmulatorFixture>
    {
        private readonly EmulatorFixture _f;

        public EmulatorBasicsTests(EmulatorFixture f) => _f = f;

        [Fact]
        public async Task Without_a_token_ARM_answers_401_with_WWW_Authenticate()
        {
            using var anonymous = _f.CreateClient(null);
            var (response, body) = await EmulatorFixture.SendAsync(anonymous, HttpMethod.Get, $"{_f.SubscriptionPath}?api-version=2022-12-01");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("Bearer authorization_uri=", response.Headers.WwwAuthenticate.ToString());
            Assert.Equal("AuthenticationFailed", body!["error"]!["code"]!.GetValue<string>());
        }

        [Fact]
        public async Task Subscription_and_resource_group_are_readable()
        {
            var (response, body) = await _f.SendAsync(HttpMethod.Get, $"{_f.SubscriptionPath}?api-version=2022-12-01");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("CMK Demo", body!["displayName"]!.GetValue<string>());
            (response, body) = await _f.SendAsync(HttpMethod.Get, $"{_f.RgPath}?api-version=2022-12-01");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("westeurope", body!["location"]!.GetValue<string>());
        }
    }
}
